"""What staff change at the desk: the inspection queue and item records.

A return with missing parts or damage (or a return at a centre that is not
the item's home) puts the item in inspection. Staff count what is really
there, then send it back to the shelf, to repair, or retire it, with a note.
The next member waiting gets it on the reservation shelf; retiring an item
cancels the waiting list. One transaction and one event per decision, whose
actor is the staff member.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from kiosk import settings
from kiosk.clock import to_iso
from kiosk.domain import OUTCOME_STATUS, Cause, InspectionOutcome, ReservationStatus
from kiosk.errors import BadInput
from kiosk.i18n import N_, Message
from kiosk.limits import NOTE_MAX, PHOTO_PATH_MAX, clean_text, has_forbidden_chars
from kiosk.photos import CONDITION, ITEM, PhotoStore
from kiosk.platform_url import INSECURE_SETTING, INSECURE_URL, insecure_url
from kiosk.services.catalogue import check_ages, check_item_field
from kiosk.services.staff import Staff, StaffView
from kiosk.services.views import ItemView
from kiosk.store.models import Item, ItemStatus, Loan, Member, Reservation
from kiosk.store.staff_models import Inspection

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk

#: inspection outcome -> the item's new status (kiosk.domain)
OUTCOMES: dict[str, ItemStatus] = {outcome.value: status for outcome, status in OUTCOME_STATUS.items()}


#: the settings staff mode may change (declared, with their checks, in kiosk.settings)
SETTINGS: tuple[str, ...] = settings.staff_keys()


@dataclass(frozen=True)
class InspectionCase:
    """One item waiting for a staff check, with what its last return said."""

    item: ItemView
    status: str  # inspection | repair
    returned_at: str | None
    member_number: str | None
    parts_expected: int | None
    parts_counted: int | None
    condition: str | None  # ok | damaged | missing_parts
    note: str | None
    transfer: bool  # returned at a centre that is not its home
    waiting: int  # members on the waiting list

    @property
    def missing(self) -> int:
        if self.parts_expected is None or self.parts_counted is None:
            return 0
        return self.parts_expected - self.parts_counted


@dataclass(frozen=True)
class InspectionResult:
    item: ItemView
    outcome: str
    parts_found: int
    held_for: str | None  # member number it is now held for
    cancelled: int  # reservations cancelled because the item was retired


def photo_store(kiosk: Kiosk) -> PhotoStore:
    """The kiosk's photo store (kiosk.photos), in the data folder next to the database."""
    return PhotoStore(kiosk.data_dir / "photos", kiosk.clock)


def photo_dir(kiosk: Kiosk) -> Path:
    """Where the staff screen puts a camera capture until the item is saved."""
    return photo_store(kiosk).incoming


class Desk:
    """Staff desk operations. Create one per kiosk: ``Desk(kiosk)``."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    # -- inspection ----------------------------------------------------------------
    def inspection_queue(self) -> list[InspectionCase]:
        """Items in inspection or repair, oldest return first."""
        with self.k.reading() as s:
            items = s.execute(select(Item).where(
                Item.status.in_((ItemStatus.INSPECTION, ItemStatus.REPAIR)))).scalars().all()
            cases = []
            for item in items:
                loan = s.execute(select(Loan).where(Loan.item_id == item.id,
                                                    Loan.returned_at.is_not(None))
                                 .order_by(Loan.returned_at.desc()).limit(1)).scalar_one_or_none()
                number = (s.get_one(Member, loan.member_id).number
                          if loan is not None and loan.member_id else None)
                waiting = s.execute(select(func.count()).select_from(Reservation).where(
                    Reservation.item_id == item.id,
                    Reservation.status == ReservationStatus.WAITING)).scalar_one()
                cases.append(InspectionCase(
                    item=ItemView.of(item), status=item.status,
                    returned_at=loan.returned_at if loan else None, member_number=number,
                    parts_expected=loan.parts_expected if loan else None,
                    parts_counted=loan.parts_counted if loan else None,
                    condition=loan.condition if loan else None,
                    note=loan.return_note if loan else None,
                    transfer=item.home_site != self.k.site, waiting=waiting))
        return sorted(cases, key=lambda c: (c.status != ItemStatus.INSPECTION, c.returned_at or ""))

    def resolve_inspection(self, code: str, outcome: str, *, by: StaffView,
                           parts: list[int] | None = None, note: str = "") -> InspectionResult:
        """Decide about an item in inspection or repair.

        ``parts`` holds the count now present of each line of the item's
        parts list (None: unchanged); the item keeps these counts, so the next
        return expects what is really there. Parts that were missing at the
        return and are counted now are recorded as found.
        """
        Staff.require(by, "inspection")
        if outcome not in OUTCOMES:
            raise BadInput(N_("Unknown inspection outcome: {outcome}"), outcome=outcome)
        note = clean_text(note or "", NOTE_MAX, Message(N_("The note")), multiline=True)
        if outcome in (InspectionOutcome.REPAIR, InspectionOutcome.RETIRED) and not note:
            raise BadInput(N_("Please write a short note: what is wrong with it?"))
        with self.k.transaction() as s:
            item = self.k.catalogue.resolve(s, code)
            if item.status not in (ItemStatus.INSPECTION, ItemStatus.REPAIR):
                raise BadInput(N_("{code} is not waiting for a check."), code=item.code)
            before = item.parts_total
            if parts is not None:
                lines = item.parts or []
                if len(parts) != len(lines):
                    raise BadInput(N_("Please count every line of the parts list."))
                for count, line in zip(parts, lines):
                    if not 0 <= int(count) <= int(line["count"]) * 10:
                        raise BadInput(N_("Please enter a number of parts from 0 to {expected}."),
                                       expected=int(line["count"]) * 10)
                item.parts = [{**line, "count": int(c)} for c, line in zip(parts, lines)]
            after = item.parts_total
            loan = s.execute(select(Loan).where(Loan.item_id == item.id, Loan.returned_at.is_not(None))
                             .order_by(Loan.returned_at.desc()).limit(1)).scalar_one_or_none()
            found = 0
            if loan is not None and loan.parts_counted is not None and loan.parts_expected is not None:
                already = s.execute(select(func.coalesce(func.sum(Inspection.parts_found), 0)).where(
                    Inspection.loan_id == loan.id)).scalar_one()
                still_missing = loan.parts_expected - loan.parts_counted - already
                found = max(0, min(still_missing, after - loan.parts_counted - already))
            old = item.status
            moved = self.k.circulation.move_item(s, item, OUTCOMES[outcome], Cause.STAFF, actor=by.name)
            held_for, cancelled = moved.held_for, moved.cancelled
            s.add(Inspection(item_id=item.id, loan_id=loan.id if loan else None, staff=by.name,
                             outcome=outcome, parts_before=before, parts_after=after,
                             parts_found=found, note=note, at=to_iso(self.k.clock())))
            self.k.record(s, "item.inspected", {
                **item.event_ref(), "from": old, "outcome": outcome, "to": item.status,
                "parts_before": before, "parts_after": after, "parts_found": found,
                "loan": loan.uid if loan else None, "note": note, "held_for": held_for,
                "reservations_cancelled": cancelled}, by.name)
            return InspectionResult(ItemView.of(item), outcome, found, held_for, cancelled)

    def retire_item(self, code: str, *, by: StaffView, note: str = "") -> ItemView:
        """Take an item out of lending for good; its waiting list is cancelled."""
        Staff.require(by, "catalogue")
        note = clean_text(note or "", NOTE_MAX, Message(N_("The note")), multiline=True)
        with self.k.transaction() as s:
            item = self.k.catalogue.resolve(s, code)
            if item.status == ItemStatus.RETIRED:
                return ItemView.of(item)
            old = item.status
            # The one rule (kiosk.domain): never while on loan; the members waiting
            # are told, one reservation.cancelled event each.
            cancelled = self.k.circulation.move_item(s, item, ItemStatus.RETIRED, Cause.STAFF,
                                                     actor=by.name).cancelled
            self.k.record(s, "item.retired", {**item.event_ref(), "from": old, "note": note,
                                              "reservations_cancelled": cancelled}, by.name)
            return ItemView.of(item)

    # -- settings ------------------------------------------------------------------------
    def save_settings(self, changes: dict[str, Any], *, by: StaffView) -> dict[str, Any]:
        """Check and store kiosk settings (see :data:`SETTINGS`); returns what changed.

        A refused value raises BadInput and nothing is stored.
        """
        Staff.require(by, "settings")
        unknown = set(changes) - set(SETTINGS)
        if unknown:
            raise BadInput(settings.UNKNOWN, name=", ".join(sorted(unknown)))
        # The page labels each field, so the check's own message is shown without the key.
        clean = {key: settings.spec(key).clean(value) for key, value in changes.items()}
        url = clean.get("sync_url")
        if isinstance(url, str) and url and insecure_url(url, bool(self.k.setting(INSECURE_SETTING)) or None):
            # Loans and members travel to this address: https only (kiosk.platform_url).
            raise BadInput(INSECURE_URL, url=url)
        changed = {k: v for k, v in clean.items() if self.k.setting(k) != v}
        if changed:
            with self.k.transaction() as s:
                for key, value in changed.items():
                    self.k.set_setting(s, key, value)
                self.k.record(s, "settings.changed", {"changes": changed}, by.name)
        return changed

    # -- backup and restore -------------------------------------------------------------
    def backup(self, folder: Path, *, by: StaffView, prefix: str = "nanum-backup") -> Path:
        """A dated copy of the database in ``folder``, as an event naming the staff member."""
        Staff.require(by, "backup")
        folder.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        dest = folder / f"{prefix}-{stamp}.sqlite3"
        n = 1
        while dest.exists():  # two backups in one second
            n += 1
            dest = folder / f"{prefix}-{stamp}-{n}.sqlite3"
        path = self.k.maintenance.backup(dest)
        Staff(self.k).note(by, "backup.made", {"file": path.name})
        return path

    @staticmethod
    def backups(folders: list[Path], limit: int = 6) -> list[tuple[Path, dt.datetime]]:
        """Backup files in ``folders`` and one level below (USB sticks) with their time, newest first."""
        found: set[Path] = set()
        for folder in folders:
            for pattern in ("nanum-*.sqlite3", "*/nanum-*.sqlite3"):
                try:
                    found.update(p for p in folder.glob(pattern) if p.is_file())
                except OSError:
                    continue

        def age(p: Path) -> float:
            try:
                return p.stat().st_mtime
            except OSError:
                return 0.0
        newest = sorted(((age(p), p.name, p) for p in found), reverse=True)[:limit]
        return [(p, dt.datetime.fromtimestamp(t)) for t, _name, p in newest]

    def restore(self, src: Path, *, by: StaffView, safety_dir: Path) -> Path:
        """Put a backup in place of the live data; returns the copy of what was there before.

        The live data is copied first, so a restore from the wrong file can be
        undone with a second restore. The restored database records who
        restored it and from which file.
        """
        Staff.require(by, "backup")
        saved: list[Path] = []
        self.k.maintenance.restore(
            src, before=lambda: saved.append(self.backup(safety_dir, by=by, prefix="nanum-before-restore")))
        Staff(self.k).note(by, "backup.restored", {"file": Path(src).name, "saved_before": saved[0].name})
        return saved[0]

    # -- item records ------------------------------------------------------------------
    def edit_item(self, code: str, *, by: StaffView, **changes: Any) -> ItemView:
        """Change an item's record: names, category, parts list, value, ages, safe use."""
        Staff.require(by, "catalogue")
        allowed = {"name_ko", "name_en", "name_zh", "name_vi", "category", "parts", "replacement_value",
                   "age_min_months", "age_max_months", "safe_use_ko", "safe_use_en"}
        unknown = set(changes) - allowed
        if unknown:
            raise BadInput(N_("Unknown item field: {field}"), field=", ".join(sorted(unknown)))
        # The same rules as a new item's (kiosk.services.catalogue, kiosk.limits).
        clean = {key: check_item_field(key, value) for key, value in changes.items()}
        check_ages(clean.get("age_min_months"), clean.get("age_max_months"))
        with self.k.transaction() as s:
            item = self.k.catalogue.resolve(s, code)
            changed = {k: v for k, v in clean.items() if getattr(item, k) != v}
            if not changed:
                return ItemView.of(item)
            if "parts" in changed and item.status == ItemStatus.ON_LOAN:
                # The open loan was lent with the old list; its return must count against it.
                raise BadInput(N_("{code} is on loan: change its parts list after it comes back."),
                               code=item.code)
            for key, value in changed.items():
                setattr(item, key, value)
            self.k.record(s, "item.edited", {**item.event_ref(), "changes": changed}, by.name)
            return ItemView.of(item)

    def set_photo(self, code: str, photo: str | Path | None, *, by: StaffView) -> ItemView:
        """Attach a photo file (taken with the kiosk camera) to an item, or remove it.

        The file goes through the photo store (kiosk.photos): its metadata is
        stripped, it is kept in two sizes under its content's hash, and the item
        refers to the display size. The file given is left as it was.
        """
        Staff.require(by, "catalogue")
        path = str(photo) if photo else None
        # The path is shown and logged; the event carries the store's name (<sha256>.jpg), not it.
        if path is not None and (len(path) > PHOTO_PATH_MAX or has_forbidden_chars(path)):
            raise BadInput(N_("The photo's file name is too long or holds control characters."))
        if path is not None and not Path(path).is_file():
            raise BadInput(N_("There is no file at {path}."), path=path)
        stored = photo_store(self.k).add(Path(path), ITEM.name) if path is not None else None
        with self.k.transaction() as s:
            item = self.k.catalogue.resolve(s, code)
            item.photo = str(stored.display) if stored else None
            self.k.record(s, "item.photo_set", {**item.event_ref(),
                                                "photo": stored.name if stored else None}, by.name)
            return ItemView.of(item)

    def collect_photos(self) -> int:
        """Delete photo files nothing keeps (replaced item photos, expired condition
        photos, unsaved captures); returns how many went."""
        with self.k.reading() as s:
            referenced = [p for p in s.scalars(select(Item.photo).where(Item.photo.is_not(None))) if p]
        removed = photo_store(self.k).collect(
            referenced, {CONDITION.name: int(self.k.setting("condition_photo_days"))})
        from kiosk.services.condition import ConditionPhotos

        ConditionPhotos(self.k).forget_expired()  # the rows of condition photos that went
        return removed
