"""What a member agreed to (schema revision 0011): the consent at sign-up and,
for a member under 14, their guardian's consent.

Kept on the kiosk that registered the member, never in an event (events carry
the consent's version and whether a guardian agreed, not who): erasing the
member deletes the row.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.models import Base


class MemberConsent(Base):
    __tablename__ = "member_consents"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    #: the version of the consent wording the member (or guardian) agreed to
    version: Mapped[str] = mapped_column(String(16))
    agreed_at: Mapped[str] = mapped_column(String(32))
    #: staff ticked "under 14" at sign-up (no birth date is kept)
    child: Mapped[bool] = mapped_column(default=False)
    guardian_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    guardian_relation: Mapped[str | None] = mapped_column(String(20), nullable=True)
    guardian_agreed_on: Mapped[str | None] = mapped_column(String(10), nullable=True)
    recorded_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
