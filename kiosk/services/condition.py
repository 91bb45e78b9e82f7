"""Condition photos at a checkout and at a return: the camera's picture of the item as
it left and as it came back, kept as evidence for a damage question, linked to the
loan, shown to staff side by side in the inspection queue and deleted when the
retention of condition photos ends (setting ``condition_photo_days``, ``nanum retention``).

The picture comes from the UI already cropped to the counter area and with every
detected face blurred (hardware.condition); this service only keeps it. It stays
at the centre: no event carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from kiosk.clock import to_iso
from kiosk.codes import ItemKey
from kiosk.photos import CONDITION, PhotoStore
from kiosk.store.condition_models import ConditionPhoto
from kiosk.store.models import Item, Loan

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk


MOMENTS = ("checkout", "return")


@dataclass(frozen=True)
class ConditionPhotoView:
    item_code: str
    loan_uid: str | None
    taken_at: str
    faces_blurred: int
    display: Path
    thumb: Path
    moment: str = "return"  # or checkout


class ConditionPhotos:
    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    @property
    def store(self) -> PhotoStore:
        return PhotoStore(self.k.data_dir / "photos", self.k.clock)

    def keep(self, item_ref: ItemKey | str, jpeg: bytes, faces_blurred: int = 0, *,
             moment: str = "return") -> ConditionPhotoView:
        """Keep the photo of ``item_ref`` just lent (``moment`` ``checkout``: linked to its open
        loan) or just returned (``return``: linked to its latest returned loan)."""
        if moment not in MOMENTS:
            raise ValueError(f"moment: {moment!r}")
        photo = self.store.add(jpeg, CONDITION.name)
        with self.k.transaction() as s:
            item = self.k.catalogue.resolve(s, item_ref)
            q = select(Loan.uid).where(Loan.item_id == item.id)
            q = (q.where(Loan.returned_at.is_(None)) if moment == "checkout"
                 else q.where(Loan.returned_at.is_not(None)).order_by(Loan.returned_at.desc(), Loan.id.desc()))
            loan_uid = s.execute(q.limit(1)).scalar()
            now = to_iso(self.k.clock())
            s.add(ConditionPhoto(item_id=item.id, loan_uid=loan_uid, photo=photo.name, taken_at=now,
                                 faces_blurred=faces_blurred, moment=moment))
            return ConditionPhotoView(item.code, loan_uid, now, faces_blurred, photo.display, photo.thumb, moment)

    def of_item(self, item_ref: ItemKey | str) -> list[ConditionPhotoView]:
        """The item's condition photos still kept, newest first."""
        store = self.store
        with self.k.reading() as s:
            item = self.k.catalogue.resolve(s, item_ref)
            rows = s.execute(select(ConditionPhoto).where(ConditionPhoto.item_id == item.id)
                             .order_by(ConditionPhoto.id.desc())).scalars().all()
            out = []
            for r in rows:
                photo = store.get(CONDITION.name, r.photo)
                if photo is not None:
                    out.append(ConditionPhotoView(item.code, r.loan_uid, r.taken_at, r.faces_blurred,
                                                  photo.display, photo.thumb, r.moment))
            return out

    def pair(self, item_ref: ItemKey | str) -> tuple[ConditionPhotoView | None, ConditionPhotoView | None]:
        """The item's newest return photo and the checkout photo of the same loan (each None
        when there is none): what staff compare in the inspection queue."""
        photos = self.of_item(item_ref)
        back = next((p for p in photos if p.moment == "return"), None)
        out = next((p for p in photos if p.moment == "checkout" and back is not None
                    and p.loan_uid == back.loan_uid and p.loan_uid is not None), None)
        return back, out

    def of_loan(self, loan_uid: str) -> list[ConditionPhotoView]:
        with self.k.reading() as s:
            code = s.execute(select(Item.code).join(ConditionPhoto, ConditionPhoto.item_id == Item.id)
                             .where(ConditionPhoto.loan_uid == loan_uid)).scalar()
        return [p for p in self.of_item(code) if p.loan_uid == loan_uid] if code else []

    def forget_expired(self) -> int:
        """Drop the rows whose photo the store no longer has (its retention ended);
        returns how many. Run after the store's collect."""
        kept = self.store.names(CONDITION.name)
        with self.k.transaction() as s:
            gone = [r.id for r in s.execute(select(ConditionPhoto)).scalars() if r.photo not in kept]
            if gone:
                s.execute(delete(ConditionPhoto).where(ConditionPhoto.id.in_(gone)))
            return len(gone)
