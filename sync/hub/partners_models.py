"""Tables of the partner API: partners (OAuth2 clients), members' consents, codes and
tokens (stored hashed), reservations made through a partner, signed webhooks waiting
for delivery, and the audit log of partner actions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync.hub.models import Base, BigId


class Partner(Base):
    """A private platform a city administrator registered (an OAuth2 client).

    ``secret_hash`` is the SHA-256 of the client secret (shown once). The webhook
    secret is kept as given: the platform signs every webhook with it.
    """

    __tablename__ = "partners"
    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    secret_hash: Mapped[str] = mapped_column(String(64))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON, default=list)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: requests a minute the partner may make (over it: 429 with Retry-After)
    quota_per_minute: Mapped[int] = mapped_column(Integer, default=60)
    webhook_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    webhook_secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class PartnerGrant(Base):
    """A member's consent that a partner acts for them, with the scopes granted."""

    __tablename__ = "partner_grants"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    member_number: Mapped[str] = mapped_column(String(16), index=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    granted_at: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class OAuthCode(Base):
    """An authorisation code (its SHA-256), used once, with its PKCE challenge."""

    __tablename__ = "oauth_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    member_number: Mapped[str] = mapped_column(String(16))
    grant_id: Mapped[int] = mapped_column(BigInteger)
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(200))
    code_challenge: Mapped[str] = mapped_column(String(128))
    code_challenge_method: Mapped[str] = mapped_column(String(8))
    expires_at: Mapped[str] = mapped_column(String(32))


class OAuthToken(Base):
    """An access token (its SHA-256): a partner's own (client credentials, no member)
    or one acting for a member under their grant."""

    __tablename__ = "oauth_tokens"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    member_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    grant_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True, index=True)
    scope: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[str] = mapped_column(String(32), index=True)
    revoked_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class PartnerReservation(Base):
    """A reservation a partner made for a member; ``seq`` numbers its webhooks."""

    __tablename__ = "partner_reservations"
    reservation_uid: Mapped[str] = mapped_column(String(36), primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    member_number: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[str] = mapped_column(String(32))
    #: the reservation's status the last webhooks told (requested when made)
    told_status: Mapped[str] = mapped_column(String(16), index=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)


class PartnerAvailability(Base):
    """Whether an item was free when the partners were last told (availability webhooks)."""

    __tablename__ = "partner_availability"
    item_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    available: Mapped[bool] = mapped_column(Boolean)
    seq: Mapped[int] = mapped_column(Integer, default=0)


class WebhookEvent(Base):
    """One webhook for one partner, numbered per subject (a reservation or an item)."""

    __tablename__ = "webhook_events"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivered_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(String(200), nullable=True)

    __table_args__ = (UniqueConstraint("partner_id", "subject", "seq", name="uq_webhook_events_seq"),
                      Index("ix_webhook_events_pending", "partner_id", "subject", "delivered_at"))


class PartnerAudit(Base):
    """One partner action: who, for which member, what, on what, and the answer."""

    __tablename__ = "partner_audit"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    at: Mapped[str] = mapped_column(String(32))
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    member_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[int] = mapped_column(Integer)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
