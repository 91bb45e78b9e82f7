"""A resident asks for help at the kiosk; staff see the open calls and answer them.

A call is an event (``help.requested``), closed by ``help.cancelled`` (the
resident no longer needs it) or ``help.answered`` (staff came). The open calls
are read back from the event log, so they need no table of their own, and the
city platform learns of each call by sync (it tells the duty volunteer).
No member's name or number goes into a call: the screen it came from says
enough for someone walking over.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select

from kiosk import limits as L
from kiosk.clock import from_iso
from kiosk.errors import BadInput
from kiosk.i18n import N_
from kiosk.services.core import Kiosk
from kiosk.store.models import Event

HELP_REQUESTED = "help.requested"
HELP_CANCELLED = "help.cancelled"
HELP_ANSWERED = "help.answered"
_SCREEN_RE = re.compile(r"^[a-z][a-z_]*$")


@dataclass(frozen=True)
class HelpCall:
    """One call for help: its id, when it was made, and from which screen."""

    call_id: str
    at: dt.datetime
    screen: str


def _screen(screen: str) -> str:
    if len(screen) > L.SCREEN_NAME_MAX or not _SCREEN_RE.match(screen):
        raise BadInput(N_("Not a screen of the kiosk: {value}"), value=L.echo(screen))
    return screen


def _call_id(call_id: str) -> str:
    try:
        return str(uuid.UUID(call_id))
    except (ValueError, TypeError, AttributeError):
        raise BadInput(N_("Not a call for help: {value}"), value=L.echo(call_id)) from None


def request_help(k: Kiosk, screen: str) -> HelpCall:
    """Record a call for help from ``screen`` (a resident screen's name); the new call."""
    screen = _screen(screen)
    call_id = str(uuid.uuid4())
    with k.transaction() as s:
        event = k.record(s, HELP_REQUESTED, {"call_id": call_id, "screen": screen})
        at = event.at
    return HelpCall(call_id, from_iso(at), screen)


def _close(k: Kiosk, call_id: str, type_: str, actor: str | None) -> bool:
    call_id = _call_id(call_id)
    if call_id not in {c.call_id for c in open_calls(k)}:
        return False  # closed already (staff came while the resident cancelled): nothing to do
    with k.transaction() as s:
        k.record(s, type_, {"call_id": call_id}, actor=actor)
    return True


def cancel_help(k: Kiosk, call_id: str) -> bool:
    """The resident no longer needs help; False when the call was closed already."""
    return _close(k, call_id, HELP_CANCELLED, None)


def answer_help(k: Kiosk, call_id: str, by: str | None = None) -> bool:
    """Staff came to the call; False when it was closed already."""
    return _close(k, call_id, HELP_ANSWERED, by)


def open_calls(k: Kiosk) -> list[HelpCall]:
    """The calls for help not yet cancelled or answered, oldest first."""
    calls: dict[str, HelpCall] = {}
    with k.reading() as s:
        rows = s.execute(select(Event.type, Event.at, Event.payload)
                         .where(Event.type.in_((HELP_REQUESTED, HELP_CANCELLED, HELP_ANSWERED)))
                         .order_by(Event.seq)).all()
    for type_, at, payload in rows:
        body = json.loads(payload)
        if type_ == HELP_REQUESTED:
            calls[body["call_id"]] = HelpCall(body["call_id"], from_iso(at), body.get("screen", ""))
        else:
            calls.pop(body.get("call_id", ""), None)
    return list(calls.values())
