"""What every /api/v1 route shares: the error body, the token check and the refusal of an act a token or its
holder may not do (403, recorded in the audit history under the holder)."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import Request
from pydantic import BaseModel
from starlette.responses import JSONResponse

from nmrf.errors import Problem
from nmrf.services.console_auth import SignedIn
from nmrf.web.routes.console.common import Console

NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
NEED_TOKEN = "a valid API token is needed (Authorization: Bearer ...)"


class ProblemOut(BaseModel):
    field: str | None = None
    message: str


class ErrorOut(BaseModel):
    error: str
    problems: list[ProblemOut] = []


class ItemOut(BaseModel):
    milestone_id: int
    cycle_id: int
    cycle_title: str
    mechanism: str
    key: str
    title: str
    due: date | None
    official: bool
    institution: str | None
    owners: list[str]
    days_late: int
    holds_up: list[str]
    escalation_step: str | None = None
    last_message: str | None = None
    last_message_at: datetime | None = None
    last_message_status: str | None = None
    acknowledged_by: str | None = None
    promised_by: date | None = None


class MovedOut(BaseModel):
    """A date that moves (or would): before and after."""

    key: str
    title: str
    before: date | None
    after: date | None


def error(status: int, message: str, problems: list[Problem] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "problems": [{"field": p.field, "message": p.message}
                                                         for p in problems or []]},
                        status_code=status, headers=NO_STORE)


def item_out(i) -> ItemOut:  # type: ignore[no-untyped-def]
    """A day's item (services.console.Item) as the API gives it."""
    d = {k: getattr(i, k) for k in ItemOut.model_fields if hasattr(i, k)}
    return ItemOut(**d, escalation_step=i.level, last_message_status=i.delivery)


class Gate:
    """Who a request's token stands for, and the refusal of an act they may not do."""

    def __init__(self, c: Console) -> None:
        self.c = c
        self.unauthorised = error(401, NEED_TOKEN)

    @staticmethod
    def bearer(request: Request) -> str | None:
        got = request.headers.get("authorization", "")
        return got[7:].strip() if got.lower().startswith("bearer ") else None

    def reader(self, request: Request, s) -> SignedIn | None:  # type: ignore[no-untyped-def]
        from nmrf.services.console_auth import by_api_token

        return by_api_token(session=s, token=self.bearer(request))

    def act(self, request: Request, act: str) -> tuple[SignedIn | None, JSONResponse | None]:
        """The token's holder if they may do `act`; else the answer (401, or 403 written to the history)."""
        from nmrf.services.console_auth import record_refusal

        with self.c.session(actor="api") as s:
            who = self.reader(request, s)
            if who is None:
                return None, error(401, NEED_TOKEN)
            if not who.can_act:
                record_refusal(session=s, who=who, act=act, now=self.c.now())
                return who, error(403, "this token or its holder may only read")
        return who, None
