"""Staff mode: the screens volunteers and managers use at the kiosk.

``open_staff_mode(window)`` is the kiosk window's ``staff_mode_hook``: the
staff door (:mod:`ui.staff`) has checked the staff member's PIN and put them
in ``window.staff_member``. See :mod:`ui.staffmode.shell`.
"""

from ui.staffmode.shell import STAFF_IDLE_MS, StaffMode, open_staff_mode

__all__ = ["STAFF_IDLE_MS", "StaffMode", "open_staff_mode"]
