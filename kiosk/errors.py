"""Domain errors. Each carries a translatable message (msgid + parameters)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.i18n import Message

if TYPE_CHECKING:
    from kiosk.services.views import ItemView, MemberView


class KioskError(Exception):
    """Base of every error the kiosk expects and can explain to a person."""

    #: CLI exit status for this kind of error
    exit_code = 1
    #: the member a refused checkout concerns, when known (the refusal screen still greets them)
    member: MemberView | None = None
    #: the item a refused checkout concerns, when it was found (the screen shows it without asking again)
    item_view: ItemView | None = None

    def __init__(self, msgid: str, /, **params: Any) -> None:
        self.message = Message(msgid, params)
        super().__init__(msgid.format(**params) if params else msgid)

    @property
    def msgid(self) -> str:
        return self.message.msgid

    def render(self, lang: str | None = None) -> str:
        return self.message.render(lang)


class Refused(KioskError):
    """A lending rule refuses the action (limit reached, item on loan, ...)."""

    def __init__(self, reason: str, msgid: str, /, **params: Any) -> None:
        self.reason = reason  # machine-readable, e.g. "limit"
        self.item_code: str | None = None
        super().__init__(msgid, **params)


class BadInput(KioskError):
    """Input the kiosk cannot use: malformed code, bad file, unknown item..."""

    exit_code = 2


class ForeignCode(BadInput):
    """A scanned code that is not ours: no item, card or known alias."""


class NotFound(BadInput):
    """A well-formed reference to something this kiosk does not know."""


class StorageError(KioskError):
    """The environment broke storage: disk full, read-only, locked, corrupt."""

    exit_code = 3
