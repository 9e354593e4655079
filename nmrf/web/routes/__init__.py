"""The HTTP routes, one module per kind of page; nmrf.web.app mounts every router."""
