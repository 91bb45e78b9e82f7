"""Lending policy: how long, how many, what blocks a member.

Declared once with defaults; a centre's own values live in the settings table
and are merged over these, so a new option never breaks an old database.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class LoanPolicy:
    loan_days: dict[str, int] = field(default_factory=lambda: {
        "tool": 7, "garden": 7, "camping": 7, "household": 7, "toy": 14, "game": 14, "book": 14})
    default_loan_days: int = 7
    max_open_loans: dict[str, int] = field(default_factory=lambda: {
        "standard": 3, "family": 5, "senior": 3, "organisation": 10})
    default_max_open_loans: int = 3
    block_on_overdue: bool = True
    max_renewals: int = 1
    hold_days: int = 3
    retention_days: int = 365

    def days_for(self, category: str) -> int:
        return self.loan_days.get(category, self.default_loan_days)

    def limit_for(self, member_type: str) -> int:
        return self.max_open_loans.get(member_type, self.default_max_open_loans)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> LoanPolicy:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})
