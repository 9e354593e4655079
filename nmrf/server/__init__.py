"""The HTTP server: `create_app(settings)` builds it; other parts mount their routers on it.

It serves calendar feeds (nmrf.server.feeds) and is started by `nmrf serve`.
"""

from nmrf.server.app import create_app

__all__ = ["create_app"]
