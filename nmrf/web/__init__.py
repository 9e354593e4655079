"""The HTTP pages people use: routes, templates and static files (served by the app of `nmrf serve`)."""
