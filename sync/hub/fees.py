"""A member's membership-fee state on the platform, from the events their centre's
kiosks synced: the fee of their member type at their home centre (``fee.plan_set``),
what they paid until (``fee.paid``) and whether they are exempt (``fee.exempted``;
the reason stays at the centre). Fee events are few (one a member a year), so they
are read as they are, latest first by the events' hybrid clock.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.i18n import N_, translate
from sync.hub.models import Event, Kiosk, Member

PAID = N_("Paid until {day}.")
DUE = N_("Due: {amount} won for {months} months. You can pay it at your sharing centre, in cash or by "
         "bank transfer.")
LAPSED = N_("Paid until {day}; now due: {amount} won for {months} months. You can pay it at your sharing "
            "centre, in cash or by bank transfer.")
EXEMPT = N_("Exempt: you pay no membership fee.")


@dataclass(frozen=True)
class FeeState:
    state: str  # paid | due | exempt
    amount: int
    period_months: int
    paid_until: str | None

    def text(self, lang: str) -> str:
        if self.state == "exempt":
            return translate(EXEMPT, lang)
        if self.state == "paid":
            return translate(PAID, lang, day=self.paid_until or "")
        msg = LAPSED if self.paid_until else DUE
        amount = format(self.amount, ",")
        return translate(msg, lang, day=self.paid_until or "", amount=amount, months=self.period_months)


def _payloads(s: Session, type_: str, *conds: Any) -> list[dict[str, Any]]:
    rows = s.execute(select(Event.payload).join(Kiosk, Kiosk.kiosk_id == Event.kiosk_id)
                     .where(Event.type == type_, *conds).order_by(Event.hlc.desc())).scalars()
    out = []
    for text in rows:
        try:
            out.append(json.loads(text))
        except ValueError:
            continue
    return out


def fee_state(s: Session, number: str, today: str) -> FeeState | None:
    """The member's fee state on ``today`` (ISO date), or None when their centre asks no fee
    of their member type (and they were never exempted nor paid)."""
    member = s.get(Member, number)
    if member is None:
        return None
    # the canonical JSON the kiosk wrote: "member":"M-000001" (checked exactly below)
    mine = Event.payload.contains(json.dumps({"member": number}, separators=(",", ":"), ensure_ascii=False)[1:-1],
                                  autoescape=True)
    exempted = [p for p in _payloads(s, "fee.exempted", mine) if p.get("member") == number]
    paid = [p for p in _payloads(s, "fee.paid", mine) if p.get("member") == number]
    plans = [p for p in _payloads(s, "fee.plan_set", Kiosk.site == member.home_site)
             if p.get("member_type") == member.member_type]
    amount, months = (int(plans[0].get("amount") or 0), int(plans[0].get("period_months") or 12)) if plans \
        else (0, 12)
    until = max((str(p.get("paid_until") or "") for p in paid), default="") or None
    if exempted and exempted[0].get("exempt"):
        return FeeState("exempt", amount, months, until)
    if until is not None and until >= today:
        return FeeState("paid", amount, months, until)
    if amount > 0:
        return FeeState("due", amount, months, until)
    return None
