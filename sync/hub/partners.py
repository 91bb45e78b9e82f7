"""Partners: private platforms that reserve for members who linked their account.

A city administrator registers a partner (``nanum hub add-partner``): it gets an
OAuth2 client id and secret (the secret shown once, stored as its SHA-256), the
scopes it may ask for, a quota of requests a minute, and where its webhooks go
with the secret that signs them. A member then links their account on the
platform (sync.hub.oauth) and may revoke that on their own page (/me).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import case, func, select, update
from sqlalchemy.orm import Session

from kiosk.errors import BadInput
from kiosk.i18n import N_
from kiosk.limits import has_forbidden_chars
from sync.hub.admin import hash_credential, now_iso
from sync.hub.db import Database
from sync.hub.models import Reservation
from sync.hub.partners_models import (
    OAuthToken,
    Partner,
    PartnerAudit,
    PartnerGrant,
    PartnerReservation,
    WebhookEvent,
)

#: the public catalogue and live availability of every centre (client credentials)
CATALOGUE = "catalogue"
#: create, list and cancel reservations for a member who granted it
RESERVATIONS = "reservations"
SCOPES = {CATALOGUE: N_("see the centres' items and whether they are free"),
          RESERVATIONS: N_("make, see and cancel reservations in your name")}
DEFAULT_QUOTA = 60
QUOTA_MAX = 100_000
CLIENT_PREFIX = "partner-"

BAD_NAME = N_("A partner needs a name of up to 200 printable characters.")
BAD_SCOPE = N_("Unknown scope {scope}: the scopes are {scopes}.")
BAD_URL = N_("{url} is not an https:// address (http:// is allowed only on this computer).")
BAD_QUOTA = N_("The quota is a number of requests a minute from 1 to {max}.")
NO_PARTNER = N_("No partner {client_id}.")


@dataclass(frozen=True)
class Registered:
    """What the administrator hands to the partner (the secrets are shown once)."""

    client_id: str
    client_secret: str
    webhook_secret: str


def check_url(url: str) -> str:
    """An https URL, or http on the loopback (a partner's test server on this computer)."""
    url = (url or "").strip()
    parts = urlsplit(url)
    loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
    if len(url) > 500 or not parts.hostname or not (
            parts.scheme == "https" or (parts.scheme == "http" and loopback)):
        raise BadInput(BAD_URL, url=url[:80])
    return url


def register(db: Database, name: str, *, redirect_uris: list[str], scopes: list[str],
             quota_per_minute: int = DEFAULT_QUOTA, webhook_url: str | None = None) -> Registered:
    """Register a partner; returns its client id and the two secrets (shown once)."""
    name = (name or "").strip()
    if not name or len(name) > 200 or has_forbidden_chars(name):
        raise BadInput(BAD_NAME)
    for scope in scopes:
        if scope not in SCOPES:
            raise BadInput(BAD_SCOPE, scope=scope[:40], scopes=", ".join(SCOPES))
    if not 1 <= quota_per_minute <= QUOTA_MAX:
        raise BadInput(BAD_QUOTA, max=QUOTA_MAX)
    uris = [check_url(u) for u in redirect_uris]
    hook = check_url(webhook_url) if webhook_url else None
    out = Registered(CLIENT_PREFIX + secrets.token_hex(8), secrets.token_urlsafe(32), secrets.token_urlsafe(32))
    with db.transaction() as s:
        s.add(Partner(client_id=out.client_id, name=name, secret_hash=hash_credential(out.client_secret),
                      redirect_uris=uris, scopes=sorted(set(scopes)), quota_per_minute=quota_per_minute,
                      webhook_url=hook, webhook_secret=out.webhook_secret, created_at=now_iso()))
    return out


def revoke(db: Database, client_id: str) -> None:
    """The partner's secret and every token it holds stop working."""
    now = now_iso()
    with db.transaction() as s:
        p = s.get(Partner, client_id)
        if p is None:
            raise BadInput(NO_PARTNER, client_id=client_id[:64])
        p.revoked_at = now
        s.execute(update(OAuthToken).where(OAuthToken.partner_id == client_id,
                                           OAuthToken.revoked_at.is_(None)).values(revoked_at=now))


def active_partner(s: Session, client_id: str | None) -> Partner | None:
    p = s.get(Partner, client_id) if client_id and len(client_id) <= 64 else None
    return p if p is not None and p.revoked_at is None else None


def audit(s: Session, partner_id: str, action: str, status: int, *, member: str | None = None,
          subject: str | None = None, **detail: Any) -> None:
    """One line of the partner audit log (in the caller's transaction)."""
    s.add(PartnerAudit(at=now_iso(), partner_id=partner_id, member_number=member, action=action,
                       subject=subject[:64] if subject else None, status=status, detail=detail))


def audit_now(db: Database, partner_id: str, action: str, status: int, **kw: Any) -> None:
    """An audit line in its own transaction (for a refused call, whose own work rolled back)."""
    with db.transaction() as s:
        audit(s, partner_id, action, status, **kw)


def linked_partners(s: Session, member: str) -> list[dict[str, Any]]:
    """The partners a member granted access to and has not revoked."""
    rows = s.execute(select(PartnerGrant, Partner).join(Partner, Partner.client_id == PartnerGrant.partner_id)
                     .where(PartnerGrant.member_number == member, PartnerGrant.revoked_at.is_(None))
                     .order_by(PartnerGrant.id)).all()
    return [{"grant": g.id, "name": p.name, "scopes": list(g.scopes), "since": g.granted_at[:10]}
            for g, p in rows]


def revoke_grant(s: Session, member: str, grant_id: int) -> str | None:
    """The member takes back their consent: its tokens stop working at once. Returns
    the partner's name, or None when the member has no such grant."""
    g = s.get(PartnerGrant, grant_id)
    if g is None or g.member_number != member or g.revoked_at is not None:
        return None
    now = now_iso()
    g.revoked_at = now
    s.execute(update(OAuthToken).where(OAuthToken.grant_id == grant_id,
                                       OAuthToken.revoked_at.is_(None)).values(revoked_at=now))
    audit(s, g.partner_id, "consent.revoked", 200, member=member, subject=str(grant_id))
    p = s.get(Partner, g.partner_id)
    return p.name if p is not None else g.partner_id


def usage(db: Database) -> list[dict[str, Any]]:
    """Per partner: reservations made, pickups, cancelled and expired ones, members
    linked now, calls and refused calls (for the city's administrators)."""
    with db.transaction() as s:
        by_status: dict[str, dict[str, int]] = {}
        for pid, status, n in s.execute(
                select(PartnerReservation.partner_id, Reservation.status, func.count())
                .join(Reservation, Reservation.uid == PartnerReservation.reservation_uid)
                .group_by(PartnerReservation.partner_id, Reservation.status)):
            by_status.setdefault(pid, {})[status] = n
        linked = dict(s.execute(select(PartnerGrant.partner_id, func.count()).where(
            PartnerGrant.revoked_at.is_(None)).group_by(PartnerGrant.partner_id)).all())
        calls = {pid: (n, int(refused or 0)) for pid, n, refused in s.execute(
            select(PartnerAudit.partner_id, func.count(),
                   func.sum(case((PartnerAudit.status >= 400, 1), else_=0)))
            .group_by(PartnerAudit.partner_id))}
        pending = dict(s.execute(select(WebhookEvent.partner_id, func.count()).where(
            WebhookEvent.delivered_at.is_(None)).group_by(WebhookEvent.partner_id)).all())
        out = []
        for p in s.execute(select(Partner).order_by(Partner.name)).scalars():
            st = by_status.get(p.client_id, {})
            total, refused = calls.get(p.client_id, (0, 0))
            out.append({"client_id": p.client_id, "name": p.name, "revoked": p.revoked_at is not None,
                        "reservations": sum(st.values()), "pickups": st.get("fulfilled", 0),
                        "cancelled": st.get("cancelled", 0), "expired": st.get("expired", 0),
                        "members_linked": linked.get(p.client_id, 0), "calls": total,
                        "refused_calls": refused, "webhooks_pending": pending.get(p.client_id, 0)})
        return out


def audit_log(db: Database, client_id: str, limit: int = 100) -> list[dict[str, Any]]:
    """The partner's latest actions, newest first."""
    with db.transaction() as s:
        return [{"at": a.at, "member": a.member_number, "action": a.action, "subject": a.subject,
                 "status": a.status}
                for a in s.execute(select(PartnerAudit).where(PartnerAudit.partner_id == client_id)
                                   .order_by(PartnerAudit.id.desc()).limit(limit)).scalars()]


LINKS = {"title": N_("Apps linked to my membership"),
         "why": N_("These apps can act for you as shown. Take it back and they can no longer do so."),
         "partner": N_("App"), "allowed": N_("Allowed"), "since": N_("Since"), "revoke": N_("Take back"),
         "none": N_("No apps are linked.")}
REVOKE_LABEL = N_("Take back what {partner} may do")
REVOKED = N_("{partner} can no longer act for you.")
NOT_REVOKED = N_("That link was already taken back.")


def account_links(s: Session, member: str, lang: str) -> dict[str, Any] | None:
    """The resident page's section on linked partners (None when there are none)."""
    from kiosk.i18n import translate

    rows = linked_partners(s, member)
    if not rows:
        return None
    return {"txt": {k: translate(v, lang) for k, v in LINKS.items()},
            "rows": [{"grant": r["grant"], "name": r["name"], "since": r["since"],
                      "scopes": ", ".join(translate(SCOPES[x], lang) for x in r["scopes"] if x in SCOPES),
                      "revoke_label": translate(REVOKE_LABEL, lang, partner=r["name"])} for r in rows]}
