"""/api/v1's people and institutions: who holds which role, their addresses (secrets masked), their links and
the roles nobody holds; and the acts on a person's feed or personal-page link (issue, rotate, revoke).

As in the console, a new link goes to its holder through the outbox and is sent at once; the API never
returns it (the answer says only that a message was written). The work is nmrf.services.console_people's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from nmrf.errors import NmrfError
from nmrf.web.routes.api_common import ErrorOut, Gate, error
from nmrf.web.routes.console.common import Console


class RoleOut(BaseModel):
    role: str
    institution: str | None = Field(None, description="the institution's key (none: an NMRF-wide role)")


class AddressOut(BaseModel):
    label: str
    address: str = Field(description="the address with passwords and tokens masked")


class LinkOut(BaseModel):
    id: int
    issued_at: datetime


class PersonOut(BaseModel):
    key: str
    name: str
    institution: str | None
    roles: list[RoleOut]
    addresses: list[AddressOut]
    feed_link: LinkOut | None = Field(None, description="their active calendar link (never its secret)")
    page_link: LinkOut | None = Field(None, description="their active personal-page link (never its secret)")


class UnheldOut(BaseModel):
    role: str
    institution: str | None = Field(None, description="the institution's key (none: an NMRF-wide role)")


class PeopleOut(BaseModel):
    people: list[PersonOut]
    unheld_roles: list[UnheldOut] = Field(description="the roles nobody active holds")


class LinkIn(BaseModel):
    kind: str = Field(description="feed (their calendar) or page (their personal page)")
    action: str = Field(description="issue, rotate or revoke")
    reason: str = Field("", description="why (needed to revoke; kept in the history)")


class LinkChangeOut(BaseModel):
    person: str
    kind: str
    action: str
    sent_to_holder: bool = Field(description="a new link was written to its holder in the outbox and sent; "
                                             "it is never returned here")


def add_routes(router: APIRouter, c: Console, gate: Gate) -> None:
    @router.get("/people", response_model=PeopleOut)
    def api_people(request: Request):  # type: ignore[no-untyped-def]
        """Every active person with roles, masked addresses and active links; and the roles nobody holds."""
        from nmrf.services.console_people import people_view, unheld_roles

        with c.session(readonly=True) as s:
            who = gate.reader(request, s)
            if who is None:
                return gate.unauthorised
            rows = people_view(session=s, state=who.state)
            missing = unheld_roles(session=s, state=who.state)
            return PeopleOut(
                people=[PersonOut(key=r.person.key, name=r.person.name,
                                  institution=r.institution.key if r.institution else None,
                                  roles=[RoleOut(role=role, institution=inst.key if inst else None)
                                         for role, inst in r.roles],
                                  addresses=[AddressOut(label=label, address=url) for label, url in r.addresses],
                                  feed_link=LinkOut(id=r.feed.id, issued_at=r.feed.created_at) if r.feed else None,  # type: ignore[arg-type]
                                  page_link=LinkOut(id=r.page.id, issued_at=r.page.created_at) if r.page else None)  # type: ignore[arg-type]
                        for r in rows],
                unheld_roles=[UnheldOut(role=role, institution=inst.key if inst else None) for inst, role in missing])

    @router.post("/people/{person_key}/links", response_model=LinkChangeOut,
                 responses={422: {"model": ErrorOut}})
    def api_links(request: Request, person_key: str, body: LinkIn):  # type: ignore[no-untyped-def]
        """Issue, rotate or revoke a person's calendar (feed) or personal-page (page) link. A new link is sent to
        its holder through the outbox, never returned."""
        from nmrf.services.console_people import change_link, link_problems

        who, refused = gate.act(request, f"change the links of {person_key}")
        if refused is not None:
            return refused
        problems = link_problems(kind=body.kind, action=body.action, reason=body.reason)
        if problems:
            fields = {"link-action": "action", "link-reason": "reason"}
            return error(422, "invalid", [replace(p, field=fields.get(p.field or "", p.field)) for p in problems])
        try:
            with c.session(actor=who.actor) as s:  # type: ignore[union-attr]
                message_id = change_link(session=s, state=who.state, person_key=person_key, kind=body.kind,  # type: ignore[union-attr]
                                         action=body.action, reason=body.reason, now=c.now(),
                                         actor=who.actor, public_url=c.conf().public_url)  # type: ignore[union-attr]
        except NmrfError as exc:
            return error(422, "invalid", exc.problems)
        if message_id is not None:
            c.deliver_now(message_id)
        return LinkChangeOut(person=person_key, kind=body.kind, action=body.action,
                             sent_to_holder=message_id is not None)
