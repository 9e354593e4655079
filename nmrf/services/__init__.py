"""Database work: keyword-only functions that take a session and pure-domain results.

The command line, the flows and the servers call these; they never commit
(the caller's session_scope does, all or nothing).
"""
