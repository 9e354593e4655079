"""The secretariat's console under /console: sign-in, the day's view, cycles, recommendations, outbox, history.

Mount with `app.include_router(make_router(settings, clock=clock, engine=engine))`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter

from nmrf.settings import Settings
from nmrf.web.routes.console import (
    acts,
    auth,
    cycle_changes,
    followup,
    more_acts,
    oidc,
    people,
    region,
    views,
    workplan,
)
from nmrf.web.routes.console.common import Console


def make_router(settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None,
                engine=None) -> APIRouter:  # type: ignore[no-untyped-def]
    c = Console(settings=settings, engine_=engine, clock=clock)
    router = APIRouter()
    for part in (auth, oidc, views, acts, more_acts, workplan, people, cycle_changes, followup, region):
        router.include_router(part.make_router(c))
    return router
