"""Staff accounts: who may open staff mode, with which role, and the PIN keypad guard.

Volunteers and managers unlock staff mode with their own PIN (4 to 8 digits,
stored only as a scrypt hash, see :mod:`kiosk.secrets_hash`), after tapping
their name or scanning their staff card. Five wrong PINs in a row for one
account lock that account (not the keypad: a passer-by typing wrong PINs on
one name cannot keep everyone else out); each further wrong PIN after the
lock doubles the wait (30 s, 1 min, 2 min ... up to 15 min, see
:data:`kiosk.throttle.STAFF_PIN`). A try is counted before its PIN is checked,
in one write transaction, so PINs typed at the same moment cannot check more
than the allowed number. The count lives in the database, so switching the
kiosk off does not reset it. A right PIN clears it.

Roles: a volunteer runs circulation and the inspection queue and may grant
overrides with a reason; a manager also edits the catalogue, members,
settings and staff accounts and sees reports. Every staff action is an event
whose actor is the staff member's name.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from kiosk.clock import from_iso, to_iso
from kiosk.codes import CardRef, card_payload, classify, hash_card_token, new_card_token
from kiosk.errors import BadInput, NotFound, Refused
from kiosk.i18n import N_, Message
from kiosk.limits import ACTOR_MAX, clean_text, is_pin
from kiosk.secrets_hash import check_pin, hash_pin
from kiosk.store.staff_models import StaffAccount, StaffPinGuard, StaffRole
from kiosk.throttle import STAFF_PIN

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from kiosk.services.core import Kiosk

__all__ = ["ROLES", "VOLUNTEER", "MANAGER", "PERMISSIONS", "StaffView", "StaffLocked",
           "LockState", "Staff", "MAX_TRIES", "lock_seconds"]

VOLUNTEER, MANAGER = StaffRole.VOLUNTEER, StaffRole.MANAGER
ROLES = StaffRole.ALL

# What each role may do; the staff screens show only what the role allows and
# the services check again (a hidden button is not a permission check).
_VOLUNTEER_CAN = frozenset({"dashboard", "circulation", "inspection", "override", "labels"})
PERMISSIONS: dict[str, frozenset[str]] = {
    VOLUNTEER: _VOLUNTEER_CAN,
    MANAGER: _VOLUNTEER_CAN | {"catalogue", "members", "settings", "staff", "reports",
                               "import", "backup"},
}

log = logging.getLogger("nanum.pin")

MAX_TRIES = STAFF_PIN.free_tries
#: the guard row of PINs typed for a name or card that is no staff account
UNKNOWN = "unknown"
#: the guard row of the kiosk's set-up PIN (first run)
SETUP = "setup"
#: digits of the set-up code ``nanum init`` prints for the staff door's first run
SETUP_CODE_DIGITS = 8
#: the setting that keeps the set-up code's hash
SETUP_CODE_SETTING = "staff_pin_hash"
NO_SETUP_CODE = N_("This kiosk has no set-up code. On its computer, run 'nanum staff setup-code': "
                   "it prints one.")
ADMIN_ACTOR = "command line"


def lock_seconds(failures: int) -> int:
    """How long an account stays locked after ``failures`` wrong PINs in a row."""
    return STAFF_PIN.wait_s(failures)


def _scope(account_id: int | None) -> str:
    return f"staff:{account_id}" if account_id is not None else UNKNOWN


@dataclass(frozen=True)
class StaffView:
    """A staff member as the screens see them (never the PIN hash)."""

    name: str
    role: str
    active: bool = True
    has_card: bool = False

    def can(self, permission: str) -> bool:
        return self.active and permission in PERMISSIONS.get(self.role, frozenset())

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "active": self.active,
                "has_card": self.has_card}

    @classmethod
    def of(cls, a: StaffAccount) -> StaffView:
        return cls(name=a.name, role=a.role, active=a.active, has_card=a.card_hash is not None)


@dataclass(frozen=True)
class LockState:
    """The keypad guard: wrong PINs in a row and the seconds left locked."""

    failures: int
    wait_s: int

    @property
    def locked(self) -> bool:
        return self.wait_s > 0

    @property
    def tries_left(self) -> int:
        return max(0, MAX_TRIES - self.failures)


class StaffLocked(Refused):
    """Too many wrong PINs for one account: it waits ``seconds`` before the next try."""

    def __init__(self, seconds: int) -> None:
        self.seconds = seconds
        super().__init__("locked", LOCKED_MSG, seconds=seconds)


LOCKED_MSG = N_("Too many wrong PINs. This account is locked for {seconds} seconds.")


def _check_pin_format(pin: str) -> str:
    pin = (pin or "").strip()
    if not is_pin(pin):
        raise BadInput("A PIN has 4 to 8 digits.")
    if len(set(pin)) == 1 or pin in "0123456789" or pin in "9876543210":
        raise BadInput(N_("That PIN is too easy to guess. Choose digits that are not all the same or in a row."))
    return pin


def _check_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise BadInput(N_("A staff member needs a name."))
    # Shown on the staff door and cards, and the actor of every event: the platform's limits.
    return clean_text(name, ACTOR_MAX, Message(N_("The name")))


class Staff:
    """Staff accounts and unlocking staff mode. Create one per kiosk: ``Staff(kiosk)``."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.k = kiosk

    # -- reading ----------------------------------------------------------------
    def list(self, include_inactive: bool = False) -> list[StaffView]:
        """Staff accounts by name (the names the PIN door offers)."""
        with self.k.reading() as s:
            q = select(StaffAccount).order_by(StaffAccount.name)
            if not include_inactive:
                q = q.where(StaffAccount.active.is_(True))
            return [StaffView.of(a) for a in s.execute(q).scalars()]

    def needs_first_manager(self) -> bool:
        """True on first run: there is no staff account yet."""
        with self.k.reading() as s:
            return not s.execute(select(func.count()).select_from(StaffAccount)).scalar_one()

    def lock_state(self, *, name: str | None = None, card: CardRef | str | None = None) -> LockState:
        """Wrong PINs in a row and the seconds left locked, for the account ``name`` or ``card`` picks."""
        with self.k.reading() as s:
            account = self._find(s, name=name, card=card)
            return self._lock_state(s.get(StaffPinGuard, _scope(account.id if account else None)))

    def _lock_state(self, guard: StaffPinGuard | None) -> LockState:
        if guard is None:
            return LockState(0, 0)
        return LockState(guard.failures, self._wait(guard))

    def _wait(self, guard: StaffPinGuard) -> int:
        if not guard.locked_until:
            return 0
        left = (from_iso(guard.locked_until) - self.k.clock()).total_seconds()
        return max(0, int(-(-left // 1)))  # round up: never say 0 while still locked

    def is_staff_card(self, payload: CardRef | str) -> bool:
        """True when a scanned card belongs to an active staff member."""
        ref = classify(payload, self.k.base_url) if isinstance(payload, str) else payload
        if not isinstance(ref, CardRef):
            return False
        with self.k.reading() as s:
            return s.execute(select(StaffAccount.id).where(
                StaffAccount.card_hash == hash_card_token(ref.token),
                StaffAccount.active.is_(True))).first() is not None

    # -- unlocking ----------------------------------------------------------------
    def unlock(self, pin: str, *, name: str | None = None, card: CardRef | str | None = None) -> StaffView:
        """Check a PIN typed after tapping ``name`` or scanning a staff ``card``.

        Raises :class:`StaffLocked` while the account is locked (the PIN is not
        even checked), BadInput for a wrong PIN (with the tries left). Both a
        success and a failure are events.
        """
        with self.k.reading() as s:
            account = self._find(s, name=name, card=card)
            stored = account.pin_hash if account is not None and account.active else None
            who = account.name if account is not None else None
            account_id = account.id if account is not None else None
        scope = _scope(account_id)
        failures, wait = self._count_try(scope, who or "unknown")
        # scrypt is slow on purpose; it runs outside the write transaction.
        ok = check_pin(pin or "", stored)
        with self.k.transaction() as s:
            if ok:
                self._clear(s, scope)
                self.k.record(s, "staff.login", {"staff": who, "by": "card" if card else "name"}, who)
                return StaffView.of(s.get_one(StaffAccount, account_id))
            self.k.record(s, "staff.pin_failed", {"staff": who, "failures": failures,
                                                  "locked_s": wait}, who)
        log.warning("wrong staff PIN for %s (%d in a row)", who or "unknown", failures)
        if wait:
            raise StaffLocked(wait)
        raise BadInput(N_("That PIN is not right. {tries} more tries before this account locks."),
                       tries=MAX_TRIES - failures)

    def check_setup_pin(self, pin: str, stored: str | None) -> bool:
        """The kiosk's set-up PIN (first run, before any staff account), counted like an account's.

        Raises :class:`StaffLocked` while it is locked; returns whether ``pin`` is right.
        """
        failures, wait = self._count_try(SETUP, SETUP)
        ok = check_pin(pin or "", stored)
        if ok:
            with self.k.transaction() as s:
                self._clear(s, SETUP)
            return True
        log.warning("wrong set-up PIN (%d in a row)", failures)
        if wait:
            raise StaffLocked(wait)
        return False

    def _count_try(self, scope: str, who: str) -> tuple[int, int]:
        """Count one try on ``scope`` before its PIN is checked: (failures so far, lock seconds).

        One BEGIN IMMEDIATE transaction: tries made at the same moment queue
        here, and once the count reaches the lock the rest are refused
        (:class:`StaffLocked`) without their PIN being checked.
        """
        with self.k.transaction() as s:
            guard = s.get(StaffPinGuard, scope)
            if guard is None:
                guard = StaffPinGuard(scope=scope, failures=0, locked_until=None)
                s.add(guard)
            wait = self._wait(guard)
            if wait:
                log.warning("staff PIN refused unchecked: %s is locked for %d s", who, wait)
                raise StaffLocked(wait)
            guard.failures += 1
            wait = lock_seconds(guard.failures)
            guard.locked_until = to_iso(self.k.clock() + dt.timedelta(seconds=wait)) if wait else None
            return guard.failures, wait

    @staticmethod
    def _clear(s: Session, scope: str) -> None:
        guard = s.get(StaffPinGuard, scope)
        if guard is not None:
            guard.failures, guard.locked_until = 0, None

    def _find(self, s: Session, *, name: str | None, card: CardRef | str | None) -> StaffAccount | None:
        if card is not None:
            ref = classify(card, self.k.base_url) if isinstance(card, str) else card
            if not isinstance(ref, CardRef):
                return None
            return s.execute(select(StaffAccount).where(
                StaffAccount.card_hash == hash_card_token(ref.token))).scalar_one_or_none()
        if name is None:
            return None
        return s.execute(select(StaffAccount).where(StaffAccount.name == name)).scalar_one_or_none()

    def logout(self, staff: StaffView, reason: str = "button") -> None:
        """Staff mode closed: by the button, or ``"idle"`` after two minutes untouched."""
        with self.k.transaction() as s:
            self.k.record(s, "staff.logout", {"staff": staff.name, "reason": reason}, staff.name)

    # -- permissions ----------------------------------------------------------------
    @staticmethod
    def require(staff: StaffView | None, permission: str) -> StaffView:
        """Raise Refused unless ``staff`` may do ``permission``."""
        if staff is None or not staff.can(permission):
            raise Refused("not_allowed", N_("Only a manager can do this."))
        return staff

    # -- accounts -------------------------------------------------------------------
    def issue_setup_code(self) -> str:
        """A new set-up code for the staff door's first run, returned once and kept only hashed.

        Without it nobody can create the first manager on the screen: a resident who taps the
        staff door of a fresh kiosk meets a code they do not have. ``nanum init`` prints one;
        issuing another replaces it. Refused once a staff account exists (managers add people).
        """
        code = "".join(secrets.choice("0123456789") for _ in range(SETUP_CODE_DIGITS))
        with self.k.transaction() as s:
            if s.execute(select(func.count()).select_from(StaffAccount)).scalar_one():
                raise Refused("not_first", N_("A manager already exists. Ask them to add you."))
            self.k.set_setting(s, SETUP_CODE_SETTING, hash_pin(code))
        return code

    def has_setup_code(self) -> bool:
        """Whether a set-up code was issued (the staff door's first run needs one)."""
        return bool(self.k.setting(SETUP_CODE_SETTING))

    def check_setup_code(self, code: str) -> bool:
        """The set-up code, counted like a PIN (:class:`StaffLocked` while locked); False if none."""
        stored = self.k.setting(SETUP_CODE_SETTING)
        if not stored:
            raise Refused("no_setup_code", NO_SETUP_CODE)
        return self.check_setup_pin(code, stored)

    def create_first_manager_with_code(self, name: str, pin: str, setup_code: str) -> StaffView:
        """The staff door's first run: the set-up code is checked again here, not only by the door."""
        if not self.check_setup_code(setup_code):
            raise BadInput(N_("That set-up code is not right."))
        return self.create_first_manager(name, pin)

    def create_first_manager(self, name: str, pin: str) -> StaffView:
        """First run: the first account, a manager. Refused once any account exists."""
        name, pin = _check_name(name), _check_pin_format(pin)
        pin_hash = hash_pin(pin)
        with self.k.transaction() as s:
            if s.execute(select(func.count()).select_from(StaffAccount)).scalar_one():
                raise Refused("not_first", N_("A manager already exists. Ask them to add you."))
            account = self._new(s, name, MANAGER, pin_hash)
            self.k.record(s, "staff.added", {"staff": name, "role": MANAGER, "first": True}, name)
            return StaffView.of(account)

    def _new(self, s: Session, name: str, role: str, pin_hash: str) -> StaffAccount:
        if s.execute(select(StaffAccount.id).where(StaffAccount.name == name)).first():
            raise BadInput(N_("There is already a staff member called {name}."), name=name)
        account = StaffAccount(name=name, role=role, pin_hash=pin_hash, active=True,
                               created_at=to_iso(self.k.clock()))
        s.add(account)
        s.flush()
        return account

    def add(self, name: str, role: str, pin: str, *, by: StaffView | None) -> StaffView:
        """A manager adds a volunteer or a manager.

        ``by=None`` is the kiosk's administrator at the command line (who
        already controls the machine); the event names them ``command line``.
        """
        if by is not None:
            self.require(by, "staff")
        name, pin = _check_name(name), _check_pin_format(pin)
        if role not in ROLES:
            raise BadInput(N_("Unknown staff role: {role}"), role=role)
        pin_hash = hash_pin(pin)
        with self.k.transaction() as s:
            account = self._new(s, name, role, pin_hash)
            self.k.record(s, "staff.added", {"staff": name, "role": role},
                          by.name if by is not None else ADMIN_ACTOR)
            return StaffView.of(account)

    def _account(self, s: Session, name: str) -> StaffAccount:
        account = s.execute(select(StaffAccount).where(StaffAccount.name == name)).scalar_one_or_none()
        if account is None:
            raise NotFound(N_("There is no staff member called {name}."), name=name)
        return account

    def set_pin(self, name: str, pin: str, *, by: StaffView) -> None:
        """Change a PIN: one's own, or anyone's for a manager."""
        if by.name != name:
            self.require(by, "staff")
        pin_hash = hash_pin(_check_pin_format(pin))
        with self.k.transaction() as s:
            self._account(s, name).pin_hash = pin_hash
            self.k.record(s, "staff.pin_changed", {"staff": name}, by.name)

    def set_role(self, name: str, role: str, *, by: StaffView) -> StaffView:
        self.require(by, "staff")
        if role not in ROLES:
            raise BadInput(N_("Unknown staff role: {role}"), role=role)
        with self.k.transaction() as s:
            account = self._account(s, name)
            if account.role == MANAGER and role != MANAGER:
                self._keep_a_manager(s, account)
            account.role = role
            self.k.record(s, "staff.role_changed", {"staff": name, "role": role}, by.name)
            return StaffView.of(account)

    def set_active(self, name: str, active: bool, *, by: StaffView) -> StaffView:
        """Switch an account off (a volunteer who left) or back on."""
        self.require(by, "staff")
        with self.k.transaction() as s:
            account = self._account(s, name)
            if not active and account.role == MANAGER:
                self._keep_a_manager(s, account)
            account.active = active
            if not active:
                account.card_hash = None  # a lost staff card must stop working too
            self.k.record(s, "staff.activated" if active else "staff.deactivated",
                          {"staff": name}, by.name)
            return StaffView.of(account)

    def _keep_a_manager(self, s: Session, account: StaffAccount) -> None:
        others = s.execute(select(func.count()).select_from(StaffAccount).where(
            StaffAccount.role == MANAGER, StaffAccount.active.is_(True),
            StaffAccount.id != account.id)).scalar_one()
        if not others:
            raise Refused("last_manager", N_("The kiosk needs at least one active manager."))

    def issue_card(self, name: str, *, by: StaffView) -> str:
        """A new staff card for ``name``; returns its payload (shown once, printed on the card)."""
        if by.name != name:
            self.require(by, "staff")
        token = new_card_token()
        with self.k.transaction() as s:
            account = self._account(s, name)
            account.card_hash = hash_card_token(token)
            self.k.record(s, "staff.card_issued", {"staff": name}, by.name)
        return card_payload(token)

    def note(self, staff: StaffView, type_: str, payload: dict[str, Any]) -> None:
        """Record a staff action that changes no row (a contact looked up, a report made)."""
        with self.k.transaction() as s:
            self.k.record(s, type_, {"staff": staff.name, **payload}, staff.name)
