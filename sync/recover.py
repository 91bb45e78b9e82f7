"""Recovery after a restore: fetch this kiosk's own events back from the platform.

When a push finds the platform holding events this kiosk no longer has (its
database was restored from an older backup), the round fetches the kiosk's
events past the last sequence both sides still agree on, and
:mod:`kiosk.services.recovery` verifies, appends and replays them, keeping
the kiosk's own later events after them. See docs/sync-protocol.md,
"Recovery after a restore".
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from kiosk.i18n import N_
from kiosk.services import recovery
from sync.client import SyncClient, SyncRefused

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

PAGE = 500
#: pages of one recovery at most (a year of a busy kiosk's events is well below)
MAX_PAGES = 10_000
RECOVERY_REFUSED = N_("This kiosk's events from the platform do not fit its log ({reason}). "
                      "Ask the administrator.")
log = logging.getLogger(__name__)


def recover(k: Kiosk, client: SyncClient, page: int = PAGE) -> dict[str, Any]:
    """Fetch the events the platform holds past the kiosk's acknowledged
    sequence and adopt them (one transaction). Returns the recovery record."""
    acked, _last = recovery.local_head(k)
    fetched: list[dict[str, Any]] = []
    after, held, head = acked, acked, ""
    for _ in range(MAX_PAGES):
        answer = client.own_events(after, page)
        events = answer.get("events")
        if not isinstance(events, list) or not isinstance(answer.get("held"), int):
            raise SyncRefused(RECOVERY_REFUSED, "unreadable answer", reason="unreadable answer")
        fetched += [e for e in events if isinstance(e, dict)]
        held, head = answer["held"], str(answer.get("head_hash") or "")
        if not answer.get("more") or not events:
            break
        last = fetched[-1].get("seq")
        after = last if isinstance(last, int) else held
    plan = recovery.plan(k, fetched, acked, held, head)
    try:
        record = recovery.adopt(k, plan)
    except recovery.RecoveryRefused as exc:
        raise SyncRefused(RECOVERY_REFUSED, str(exc), reason=str(exc)[:200]) from exc
    log.warning("recovered %d events from the platform (after seq %d; fork at %s; %d renumbered)",
                record["fetched"], record["after"], record["fork_seq"], record["renumbered"])
    return record
