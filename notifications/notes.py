"""Why a message went no further, as the outbox stores it (English, once) and as a reader reads it. Pure.

A message's status note and a delivery's cancellation are written by the sweep in English (the record); the
command line and the console say them in the reader's language: each stored form below is read back with its
values, and a note of any other form (a reason a person typed when a cycle changed, an error a channel
returned) is shown as written.
"""

from __future__ import annotations

import re
from functools import lru_cache

from nmrf.domain.i18n import N_, Said, Translator

# The stored forms (str.format), each with the sentence a reader is told (its msgid, with the same names).
NO_ADDRESS = "the recipient has no active address"
LISTED_IN = "listed in {digest}"
COVERED = "covered: the item's opening message went the same day"
STOPPED_STATUS = "stopped: the item is {status}"
STOPPED_REDATED = "stopped: the item was re-dated"
STOPPED_ADDRESS = "stopped: the address was removed"
HELD = ("held: no public address is set (NMRF_PUBLIC_URL), so its links would point at {base}, which nobody else "
        "can open; it goes out once the address is set")

SAID = {
    NO_ADDRESS: N_("the recipient has no active address"),
    LISTED_IN: N_("listed in %(digest)s"),
    COVERED: N_("covered: the item's opening message went the same day"),
    STOPPED_STATUS: N_("stopped: the item is %(status)s"),
    STOPPED_REDATED: N_("stopped: the item was re-dated"),
    STOPPED_ADDRESS: N_("stopped: the address was removed"),
    HELD: N_("held: no public address is set (NMRF_PUBLIC_URL), so its links would point at %(base)s, which "
             "nobody else can open; it goes out once the address is set"),
}
# A deadline's state, as a note names it (stopped: the item is done).
ITEM_STATUS = {"done": N_("done"), "waived": N_("waived"), "cancelled": N_("cancelled")}


def item_status(status: str) -> str:
    """A closed deadline's state as a value of a sentence of ours (a Said, said in the reader's language with
    it); an unknown state as it is."""
    return Said(ITEM_STATUS[status]) if status in ITEM_STATUS else status


# A delivery's or message's status (a key) as a person reads it.
STATUS_WORDS = {"sent": N_("sent"), "pending": N_("pending"), "held": N_("held"), "retrying": N_("retrying"),
                "sending": N_("sending"), "failed": N_("failed"), "cancelled": N_("cancelled"),
                "digested": N_("digested"), "no_address": N_("no address"), "superseded": N_("superseded"),
                "skipped": N_("skipped")}


def status_word(t: Translator, key: str) -> str:
    """A status key in the reader's words; an unknown key as it is, its underscores as spaces."""
    return t.gettext(STATUS_WORDS[key]) if key in STATUS_WORDS else key.replace("_", " ")


@lru_cache(maxsize=None)
def _pattern(form: str) -> re.Pattern[str]:
    parts = re.split(r"\{(\w+)\}", form)
    return re.compile("".join(f"(?P<{p}>.+?)" if i % 2 else re.escape(p) for i, p in enumerate(parts)))


def said_note(t: Translator, note: str | None) -> str:
    """A stored note in the reader's language; a note not of ours as written ("" for none)."""
    if not note:
        return ""
    for form, msgid in SAID.items():
        m = _pattern(form).fullmatch(note)
        if m:
            values = m.groupdict()
            if "status" in values:
                values["status"] = t.gettext(ITEM_STATUS[values["status"]]) if values["status"] in ITEM_STATUS \
                    else values["status"]
            return t.gettext(msgid) % values if values else t.gettext(msgid)
    return note
