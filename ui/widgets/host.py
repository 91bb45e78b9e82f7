"""What a full-window host offers the dialogs and widgets drawn inside it.

The kiosk window and staff mode are hosts. A dialog asks its host to say
what is on screen, how much room at the top is out of reach and which theme
to draw with; a host that has no voice or no low-reach layout keeps the
defaults here. Widgets ask through this class, never by guessing attributes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ui.theme import Theme

if TYPE_CHECKING:
    from kiosk.devices import DeviceStatus


class WindowHost:
    """Mixed into a full-window widget (before ``QWidget`` in its bases)."""

    #: the theme the host draws with (None: the default one)
    theme: Theme | None = None
    #: the camera and printer states the host knows of (None: none known)
    devices: DeviceStatus | None = None

    def announce(self) -> None:
        """What is on screen changed: say it (when voice guidance is on)."""

    def say(self, text: str) -> None:
        """Speak one short sentence now (when voice guidance is on)."""

    def guide_text(self) -> str:
        """What the voice would say about the screen now ("" when the host has no voice)."""
        return ""

    def reach_top(self) -> int:
        """Pixels at the top out of reach in the low-reach layout (0 otherwise)."""
        return 0
