"""How long someone who typed wrong PINs waits before the next try: one policy for kiosk and platform.

Pure arithmetic on (failures in a row, time of the last failure, now): no
storage, no clock of its own, no sleeping. The kiosk keeps its counts in
SQLite, the platform in its database; both ask the same :class:`Policy`
whether a try may happen now and, if not, for how many seconds to ask the
person to wait (the platform answers 429 with ``Retry-After``).

A try is counted *before* the PIN is checked (see :func:`reserve`), so many
attempts at once cannot check more PINs than the policy allows.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from kiosk.errors import Refused

__all__ = ["Policy", "MEMBER_PIN", "STAFF_PIN", "TooManyTries", "Verdict", "reserve"]


@dataclass(frozen=True)
class Policy:
    """Growing waits after wrong PINs, then a lockout.

    ``free_tries`` wrong PINs in a row cost nothing; the next ones make the
    person wait ``first_wait_s``, doubling each time up to ``longest_wait_s``.
    From ``lockout_after`` failures on, each failure locks for ``lockout_s``.
    A failure older than ``forget_after_s`` is forgotten; a right PIN clears
    the count.
    """

    free_tries: int
    first_wait_s: int
    longest_wait_s: int
    lockout_after: int | None = None
    lockout_s: int = 0
    forget_after_s: int = 24 * 3600

    def wait_s(self, failures: int) -> int:
        """Seconds to wait after the ``failures``-th wrong PIN in a row."""
        if failures < self.free_tries:
            return 0
        if self.lockout_after is not None and failures >= self.lockout_after:
            return self.lockout_s
        wait: int = min(self.longest_wait_s, self.first_wait_s * 2 ** (failures - self.free_tries))
        return wait

    def locked_out(self, failures: int) -> bool:
        """True once the failures reached the lockout (not merely a growing wait)."""
        return self.lockout_after is not None and failures >= self.lockout_after

    def current(self, failures: int, last_failure: dt.datetime | None, now: dt.datetime) -> int:
        """The failures that still count at ``now`` (old ones are forgotten)."""
        if not failures or last_failure is None:
            return 0
        if (now - last_failure).total_seconds() >= self.forget_after_s:
            return 0
        return failures

    def retry_after(self, failures: int, last_failure: dt.datetime | None, now: dt.datetime) -> int:
        """Whole seconds until the next try may happen (0: now); never 0 while still waiting."""
        failures = self.current(failures, last_failure, now)
        if not failures:
            return 0
        assert last_failure is not None
        left = self.wait_s(failures) - (now - last_failure).total_seconds()
        return max(0, math.ceil(left))


#: Residents' membership number + PIN, per (number, client address): three free
#: tries, then 5 s, 10 s ... 5 min, and from the tenth wrong PIN an hour each.
MEMBER_PIN = Policy(free_tries=3, first_wait_s=5, longest_wait_s=300, lockout_after=10, lockout_s=3600)
#: Staff PINs, per staff account: five free tries, then 30 s doubling up to 15 min.
STAFF_PIN = Policy(free_tries=5, first_wait_s=30, longest_wait_s=15 * 60, forget_after_s=7 * 24 * 3600)


@dataclass(frozen=True)
class Verdict:
    """The outcome of :func:`reserve`: may the PIN be checked, and the counts to store."""

    allowed: bool
    retry_after_s: int  # when not allowed: seconds to wait
    failures: int  # the count to store (this try included when allowed)
    locked_out: bool


def reserve(policy: Policy, failures: int, last_failure: dt.datetime | None, now: dt.datetime) -> Verdict:
    """Decide one try and count it as a failure in advance.

    When allowed, store ``failures`` and ``now`` as the last failure in the
    same transaction that read the old values, then check the PIN; a right
    PIN clears the count afterwards. When not allowed, store nothing and do
    not check the PIN.
    """
    wait = policy.retry_after(failures, last_failure, now)
    counted = policy.current(failures, last_failure, now)
    if wait:
        return Verdict(False, wait, counted, policy.locked_out(counted))
    return Verdict(True, 0, counted + 1, policy.locked_out(counted + 1))


class TooManyTries(Refused):
    """Too many wrong PINs: the next try may happen in ``seconds`` seconds.

    The caller gives the (translatable) message: it names the person's way
    around the wait, which differs between the kiosk and the web.
    """

    def __init__(self, seconds: int, msgid: str, **params: Any) -> None:
        self.seconds = seconds
        minutes = max(1, math.ceil(seconds / 60))
        super().__init__("too_many_tries", msgid, seconds=seconds, minutes=minutes, **params)
