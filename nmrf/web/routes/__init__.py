"""One router per kind of page, each mounted by the HTTP app's factory."""
