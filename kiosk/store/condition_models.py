"""Condition photos taken at a checkout and at a return (schema revision 0011): which
photo of the store (kind ``condition``) shows which loan, and when. The photo file goes when its
retention ends; its row goes at the same retention run.
"""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from kiosk.store.models import Base


class ConditionPhoto(Base):
    __tablename__ = "condition_photos"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    #: the loan lent or closed (None: an item that came back with no loan here)
    loan_uid: Mapped[str | None] = mapped_column(String(36), nullable=True, index=True)
    photo: Mapped[str] = mapped_column(String(80))  # <sha256>.jpg in the store's condition folder
    taken_at: Mapped[str] = mapped_column(String(32), index=True)
    #: faces found in the picture and blurred before it was kept
    faces_blurred: Mapped[int] = mapped_column(Integer, default=0)
    #: checkout (how the item left) or return (how it came back)
    moment: Mapped[str] = mapped_column(String(8), default="return", server_default="return")
