"""Everything HTTP: `create_app(settings)` (nmrf.web.app) mounts every router of nmrf.web.routes
(calendar feeds, acknowledgement pages); nmrf.web.run serves it (`nmrf serve`, the demo, the tests).
"""

from nmrf.web.app import create_app

__all__ = ["create_app"]
