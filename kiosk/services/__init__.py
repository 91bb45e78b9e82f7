"""Services: the operations the UI, CLI and sync call. Each checks policy,
writes state and appends its event in one transaction."""

from kiosk.services.core import Kiosk, open_kiosk

__all__ = ["Kiosk", "open_kiosk"]
