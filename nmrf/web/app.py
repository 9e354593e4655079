"""The application factory: the one place every router of nmrf.web.routes is mounted (feeds, acknowledgement pages)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import Engine
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse

from nmrf.calendars.build import Window
from nmrf.calendars.publishing import Clock, FeedPublisher
from nmrf.models.db import make_engine
from nmrf.models.types import utcnow
from nmrf.settings import Settings, get_settings
from nmrf.web.guard import Guard
from nmrf.web.routes import acks, api, console, feeds, pages, public_site
from nmrf.web.security import Security


def create_app(settings: Settings | None = None, *, engine: Engine | None = None, clock: Clock | None = None,
               window: Window = Window(), cache_bytes: int = 64 * 1024 * 1024,
               max_age: timedelta = timedelta(minutes=5), security: dict | None = None) -> FastAPI:
    """The HTTP app: feeds under /feeds/. `clock` gives `now` (the real clock unless a demo fixes it);
    `security` sets the limits of nmrf.web.security.Security (a test's smaller window)."""
    settings = settings or get_settings()
    if engine is None:
        engine = make_engine(settings.effective_database_url)
    # No interactive docs or schema: the server shows nothing beyond what a link opens.
    app = FastAPI(title="nmrf", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.engine = engine
    app.state.feeds = FeedPublisher(engine, clock=clock or utcnow, window=window, cache_bytes=cache_bytes,
                                    max_age=max_age)
    app.include_router(feeds.router)
    # Acknowledgement pages of escalations (GET shows, POST records).
    app.include_router(acks.make_router(settings, clock=clock))
    app.include_router(pages.make_router(settings, clock=clock, engine=engine))  # personal pages under /p/
    app.include_router(console.make_router(settings, clock=clock, engine=engine))  # the secretariat's console
    api.mount(app, settings, clock=clock, engine=engine)  # the JSON API under /api/v1, its OpenAPI document
    # The public site of the State's recommendations, when it chooses to publish it.
    app.include_router(public_site.make_router(clock=clock))

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> PlainTextResponse:
        text = {404: "Not found\n", 405: "Method not allowed\n"}.get(exc.status_code, "Bad request\n")
        return PlainTextResponse(text, status_code=exc.status_code if exc.status_code < 500 else 400,
                                 headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError) -> PlainTextResponse:
        return PlainTextResponse("Bad request\n", status_code=400)

    @app.get("/", include_in_schema=False)
    async def root() -> PlainTextResponse:
        return PlainTextResponse("nmrf calendar feeds: subscribe with the link you were given.\n")

    @app.get("/healthz", include_in_schema=False)
    async def health() -> PlainTextResponse:
        return PlainTextResponse("ok\n")

    app.add_middleware(Guard)
    app.add_middleware(Security, **(security or {}))  # outermost: headers, size cap and rate limits on every answer, Guard's too
    return app


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always says `moment` (the demo's story happens on fixed dates)."""
    return lambda: moment
