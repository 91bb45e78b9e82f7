"""Calling staff from any resident screen: the call, a chime, and "help is coming".

The call is recorded at once (``help.requested``): staff mode lists it and,
through sync, the city platform tells the duty volunteer. The resident sees
when staff were called and may cancel the call if they no longer need help.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from kiosk.calendar import SEOUL
from kiosk.services.help import HelpCall, cancel_help, request_help
from ui.tasks import Scope, run_task
from ui.text import N_, error_text, tr
from ui.widgets.overlay import Overlay

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk
    from ui.sound import Sound


class HelpCallDialog(Overlay):
    """Says that staff were called (and when); "Cancel the call" takes it back.

    Closes with "close" (wait for staff) or "cancel" (the call is cancelled).
    """

    def __init__(self, host: QWidget, kiosk: Kiosk, sound: Sound, screen: str,
                 scope: Scope, on_called: Callable[[HelpCall], None] | None = None) -> None:
        super().__init__(host, "HelpCall")
        self.kiosk, self.sound, self.from_screen = kiosk, sound, screen
        self.call: HelpCall | None = None
        self.error: BaseException | None = None
        self._later = scope  # the cancel outlives the dialog: it closes as it is sent
        self._on_called = on_called
        self.cancel_call = self.add_button("", "cancel")
        self.cancel_call.setEnabled(False)  # nothing to cancel until the call is recorded
        self.back = self.add_button("", "close", "primary")
        self.retranslate()
        run_task(lambda: request_help(kiosk, screen), self._called, self._failed, scope=self.scope)

    def _called(self, call: HelpCall) -> None:
        self.call = call
        self.sound.play("help")  # a chime staff hear across the room
        self.cancel_call.setEnabled(True)
        self.retranslate()
        if self._on_called is not None:
            self._on_called(call)
        self._speak()

    def _failed(self, exc: BaseException) -> None:
        self.error = exc
        self.sound.play("refused")
        self.retranslate()
        self._speak()

    def _speak(self) -> None:
        from ui.widgets.host import WindowHost

        host = self.parentWidget()
        if isinstance(host, WindowHost):
            host.announce()

    def retranslate(self) -> None:
        self.title.setText(tr(N_("Call staff")))
        if self.error is not None:
            self.message.setText(tr(N_("Staff could not be called from the kiosk: {error} Please ask "
                                       "someone nearby to fetch staff."), error=error_text(self.error)))
        elif self.call is None:
            self.message.setText(tr(N_("Calling staff…")))
        else:
            self.message.setText(tr(N_("We have called staff. Please wait a moment.")) + "\n"
                                 + tr(N_("Called at {time}."), time=self.called_at()))
        self.cancel_call.setText(tr(N_("Cancel the call")))
        self.back.setText(tr(N_("Back to the screen")))
        self.cancel_call.setVisible(self.error is None)

    def called_at(self) -> str:
        """When staff were called, on the kiosk's wall clock (hours and minutes)."""
        return self.call.at.astimezone(SEOUL).strftime("%H:%M") if self.call is not None else ""

    def finish(self, result: str = "") -> None:
        if result == "cancel" and self.call is not None:
            kiosk, call_id = self.kiosk, self.call.call_id
            run_task(lambda: cancel_help(kiosk, call_id), None, lambda _exc: None, scope=self._later)
        super().finish(result)
