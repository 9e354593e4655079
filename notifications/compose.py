"""The words of each message, from the facts of its item and the recipient. Pure.

What is due or late, since when, what it holds up, who is waiting, and the
command that records it; in the recipient's language, with dates on their
calendar.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from nmrf.domain import wording
from nmrf.domain.dates import WorkCalendar
from nmrf.domain.i18n import Translator, translator
from nmrf.notifications.decide import Intent, Recipient, working_days_between
from nmrf.notifications.messages import format_date, nobody, render, roles_label


@dataclass(frozen=True)
class ItemFacts:
    milestone_id: int
    key: str
    title: str
    stage: str
    cycle_id: int
    cycle_title: str
    institution_key: str | None
    institution_name: str | None
    due_date: date
    owner_names: tuple[str, ...]
    owner_keys: tuple[str, ...]
    blocks: tuple[tuple[str, date | None], ...]  # (title, due) of what waits for this item
    waiting: tuple[str, ...]  # names of the people who own what waits
    # What the words need in other languages: the institution's names per language, the cycle's template,
    # mechanism and reference (its title is the catalogue's, translated), the State's name(s).
    institution_names: dict[str, str] | None = None
    cycle_template: str | None = None
    mechanism: str = ""
    reference: str | None = None
    state_name: str = ""
    state_names: dict[str, Any] | None = None

    @property
    def label(self) -> str:
        return f"{self.title} ({self.institution_name})" if self.institution_name else self.title

    def label_in(self, t: Translator) -> str:
        """The item as its reader names it: the title in their language, the institution's name in it."""
        title = wording.title(t, self.title)
        if not self.institution_name:
            return title
        return f"{title} ({wording.name(t, self.institution_names, self.institution_name)})"

    def cycle_in(self, t: Translator) -> str:
        return wording.cycle_title(t, stored=self.cycle_title, template=self.cycle_template,
                                   mechanism=self.mechanism, reference=self.reference,
                                   state_name=self.state_name, state_names=self.state_names)


@dataclass(frozen=True)
class AckFacts:
    by: str
    on: date
    note: str
    promised_by: date
    lapsed: bool


def reference(dedup_key: str) -> str:
    """A short, stable reference printed at the foot of a message."""
    return "nmrf-" + hashlib.sha256(dedup_key.encode()).hexdigest()[:12]


def record_command(f: ItemFacts, by: str | None) -> str:
    if f.stage == "inputs" and f.institution_key:
        cmd = f"nmrf record input {f.cycle_id} {f.institution_key}"
    elif f.key.startswith("signoff:") and f.institution_key:
        cmd = f"nmrf record signoff {f.cycle_id} {f.institution_key}"
    elif f.stage in ("nhri_comment", "parliament"):
        cmd = f"nmrf record comment {f.cycle_id} {f.key}"
    else:
        cmd = f"nmrf record done {f.cycle_id} {f.key}"
    return f"{cmd} --by {by}" if by else cmd


def _names(names: tuple[str, ...], language: str, limit: int = 4) -> str:
    if not names:
        return nobody(language)
    shown = ", ".join(names[:limit])
    return shown + (f" (+{len(names) - limit})" if len(names) > limit else "")


def item_context(f: ItemFacts, recipient: Recipient, today: date, cal: WorkCalendar,
                 ack: AckFacts | None) -> dict[str, Any]:
    lang = recipient.language
    t = translator(lang)
    by = recipient.key if recipient.key in f.owner_keys else (f.owner_keys[0] if f.owner_keys else None)
    blocks = "; ".join(f"{wording.title(t, title)} ({format_date(due, lang)})" if due else wording.title(t, title)
                       for title, due in f.blocks[:2])
    return {
        "item": f.label_in(t),
        "cycle": f.cycle_in(t),
        "cycle_id": f.cycle_id,
        "due": format_date(f.due_date, lang),
        "due_short": format_date(f.due_date, lang, short=True),
        "days_left": max((f.due_date - today).days, 0),
        "days_late": max((today - f.due_date).days, 0),
        "working_days_late": working_days_between(cal, f.due_date, today),
        "owners": _names(f.owner_names, lang),
        "blocks": blocks,
        "waiting": _names(f.waiting, lang) if f.waiting else "",
        "command": record_command(f, by),
        "ack": None if ack is None else {
            "by": ack.by, "on": format_date(ack.on, lang), "note": ack.note,
            "promised_by": format_date(ack.promised_by, lang), "lapsed": ack.lapsed,
        },
    }


def for_outsider(ctx: dict[str, Any], secretariat: tuple[str, str | None] | None) -> None:
    """A reader outside the secretariat is told who waits by function (the secretariat, not the names of
    its officers) and where to write to it: `secretariat` is (its name in the reader's language, contact)."""
    if secretariat is None:
        return
    name, contact = secretariat
    if ctx.get("waiting"):
        ctx["waiting"] = name
    ctx.update(secretariat=name, contact=contact or "")


def compose_single(intent: Intent, f: ItemFacts, recipient: Recipient, today: date, cal: WorkCalendar,
                   ack: AckFacts | None, ack_url: str | None, *, page_url: str | None = None,
                   secretariat: tuple[str, str | None] | None = None) -> tuple[str, str, dict[str, Any]]:
    """(subject, body, JSON fields) of a reminder, an escalation or a lapse notice.

    With `page_url` (a reader outside the secretariat) the message links to their page, where they act,
    instead of naming the command that records it."""
    ctx = item_context(f, recipient, today, cal, ack)
    ctx.update(reason=roles_label((intent.reason, *intent.also), recipient.language), level=intent.level, levels=intent.levels,
               ack_url=ack_url, page_url=page_url)
    if page_url:
        for_outsider(ctx, secretariat)
    subject, body = render(intent.kind, recipient.language, ctx, ref=reference(intent.dedup_key))
    data = {
        "kind": intent.kind, "step": intent.step, "cycle_id": f.cycle_id, "milestone": f.key,
        "due_date": f.due_date.isoformat(), "days_late": ctx["days_late"], "level": intent.level,
        "recipient": recipient.key, "ack_url": ack_url,
        **({"page_url": page_url} if page_url else {"record": ctx["command"]}),
    }
    return subject, body, data


def compose_digest(dedup_key: str, entries: list[tuple[Intent, ItemFacts]], recipient: Recipient, today: date,
                   window_label: str, *, page_url: str | None = None,
                   secretariat: tuple[str, str | None] | None = None) -> tuple[str, str, dict[str, Any]]:
    lang = recipient.language
    t = translator(lang)
    rows = []
    for intent, f in sorted(entries, key=lambda e: (e[1].due_date, e[1].label)):
        by = recipient.key if recipient.key in f.owner_keys else (f.owner_keys[0] if f.owner_keys else None)
        rows.append({"item": f.label_in(t), "cycle": f.cycle_in(t), "cycle_id": f.cycle_id,
                     "due": format_date(f.due_date, lang), "days_late": max((today - f.due_date).days, 0),
                     "command": record_command(f, by)})
    ctx = {"count": len(rows), "window": window_label, "entries": rows, "page_url": page_url}
    if page_url:
        for_outsider(ctx, secretariat)
    subject, body = render("digest", lang, ctx, ref=reference(dedup_key))
    data = {"kind": "digest", "window": window_label, "recipient": recipient.key,
            "items": [{"cycle_id": f.cycle_id, "milestone": f.key, "due_date": f.due_date.isoformat(),
                       "step": i.step} for i, f in entries]}
    return subject, body, data
