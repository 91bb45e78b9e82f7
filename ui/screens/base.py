"""What every resident screen has: the context it is fed and its hooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QFrame, QLayout, QScrollArea, QWidget

from ui.config import UiConfig
from ui.session import Session
from ui.sound import Sound
from ui.tasks import run_task
from ui.widgets.camera_view import CameraView
from ui.widgets.common import theme_of

if TYPE_CHECKING:
    from hardware.printing import Printer
    from kiosk.codes import Scan
    from kiosk.services.core import Kiosk
    from ui.scanbridge import ScanBridge


@dataclass
class Context:
    """What the window hands every screen: services, the session and navigation."""

    kiosk: Kiosk
    session: Session
    sound: Sound
    config: UiConfig
    printer: Printer | None = None
    camera: ScanBridge | None = None
    go: Callable[..., None] = field(default=lambda name, **kw: None)
    host: QWidget | None = None  # where dialogs open
    #: speak the guide of what is on screen now (voice guidance; does nothing while voice is off)
    announce: Callable[[], None] = field(default=lambda: None)
    #: speak one short sentence now (a counter's new value, a typed key)
    say: Callable[[str], None] = field(default=lambda text: None)

    def run(self, func: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[BaseException], None] | None = None, *, slow: bool = False) -> None:
        """Background work whose result is dropped if the session ends meanwhile.

        ``slow`` is for printing and PDFs: it never waits for, nor delays, a scan.
        """
        run_task(func, on_done, on_error, scope=self.session.scope, slow=slow)


class _ScrolledContent(QWidget):
    """What a :class:`ScreenScroll` scrolls: as wide as the area, never wider. Where a panel is
    narrower than the content would like, its layout shares out the width (as it would outside a
    scroll area) instead of being cut at the side."""

    def minimumSizeHint(self) -> QSize:
        return QSize(0, super().minimumSizeHint().height())


class ScreenScroll(QScrollArea):
    """The part of a screen that may be long (a list, a message with its fields), scrolling up and
    down above what stays in view beside or under it: the screen's next step (Done, the keypad
    with its OK). On a small panel with large text the content can need more height than there
    is; the next step is then still on screen as it opens.

    With the 200 % zoom the whole page scrolls instead (ui.zoom): the area asks for all of its
    content's height and never scrolls itself.
    """

    def __init__(self, content: QLayout, name: str) -> None:
        super().__init__()
        self.setObjectName(name)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        inner = _ScrolledContent()
        inner.setObjectName(f"{name}Content")
        content.setContentsMargins(0, 0, 0, 0)
        content.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # (see _ScrolledContent)
        inner.setLayout(content)
        self.inner = inner
        self.setWidget(inner)
        #: ask for all of the content's height and never scroll (the screen area scrolls instead):
        #: for what is no use seen through a slot, such as a camera's picture or keys to type with
        self.whole = False

    def _content_height(self, width: int) -> int:
        inner = self.inner
        need = inner.minimumSizeHint().height()
        if inner.hasHeightForWidth():
            need = max(need, inner.heightForWidth(width))
        return need

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        inner = self.inner
        # Never narrower than its content with the scroll bar beside it (it does not scroll
        # sideways); zoomed, all of its height, with no scroll bar.
        content = inner.layout()
        least = content.minimumSize().width() if content is not None else 0
        if self.whole or theme_of(self).zoom:
            return QSize(least, max(hint.height(), self._content_height(self.viewport().width() or least)))
        # As short as one touch target: what is in it scrolls (its scroll bar's own least height,
        # arrows and a handle, would leave the next step less room on a short panel).
        return QSize(max(hint.width(), least + self.verticalScrollBar().sizeHint().width()),
                     min(hint.height(), theme_of(self).touch))

    def sizeHint(self) -> QSize:
        # As wide as its content likes; as tall as it must be: the screen's height for its width
        # (what the screen area measures) does not count what scrolls here.
        return QSize(self.inner.sizeHint().width(), self.minimumSizeHint().height())


class Screen(QWidget):
    """A resident screen. The window calls the hooks; screens never touch each other."""

    #: the object name the window and tests know it by
    name = "screen"
    #: show the camera preview / accept scans
    wants_camera = False
    #: offer "Type the code" for a label the camera cannot read
    accepts_typed = True
    #: needs an identified member (the window asks for the card first)
    needs_member = False
    #: where the camera's picture is shown (screens that scan have one)
    camera: CameraView | None = None
    #: the member strip says here what the member has on loan and what needs attention; elsewhere
    #: (their loans listed, a PIN, a receipt) it keeps to who is signed in, the sign-out and a
    #: reservation waiting, and leaves the room to the screen
    shows_member_state = False

    def __init__(self, ctx: Context) -> None:
        super().__init__()
        self.ctx = ctx
        self.setObjectName(f"{self.name}Screen")

    @property
    def session(self) -> Session:
        return self.ctx.session

    def title(self) -> str:
        """The heading in the top bar (translated)."""
        return ""

    def retranslate(self) -> None:
        """Set every text in the current language."""

    def instruction(self) -> str:
        """What to do now, in one or two short sentences (translated)."""
        return ""

    def prompt(self) -> list[str]:
        """What the voice says about this screen now: what just happened, then what to do.

        Short sentences from the catalogue; the window adds the buttons there are.
        """
        return [*self.said(), self.instruction()]

    def said(self) -> list[str]:
        """What the screen's message says now, to be spoken (screens with a message banner)."""
        return []

    def enter(self, **kwargs: Any) -> None:
        """The screen is shown (kwargs come from the navigation)."""

    def leave(self) -> None:
        """The screen is hidden."""

    def reset(self) -> None:
        """Forget everything shown (the session ended)."""

    def handle_scan(self, ref: Scan) -> bool:
        """A code was scanned (or typed) while this screen is shown, classified once where it
        arrived; False when not taken."""
        return False

    def set_portrait(self, portrait: bool) -> None:
        """Arrange for a tall or a wide window."""

    def newest(self) -> QWidget | None:
        """The newest result shown (a scanned item's row), which must be wholly in view; None: none."""
        return None

    def strip_compact(self) -> bool:
        """Whether the member strip keeps to who is signed in: the member's state does not help
        here, or a scan's result is shown, which the strip makes room for."""
        return not self.shows_member_state or self.newest() is not None
