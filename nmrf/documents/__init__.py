"""Documents nmrf writes and reads: information-request workbooks, draft reports."""
