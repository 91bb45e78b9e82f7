"""Which city-platform addresses a kiosk may send its loans and members to.

One rule for staff mode, ``nanum sync configure`` and the sync client: https://
only; plain http:// only to this computer (a test platform), and only when that
is allowed explicitly (``--allow-insecure-http``, the setting it stores, or
NANUM_SYNC_ALLOW_INSECURE_HTTP=1).
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from kiosk.i18n import N_

INSECURE_HTTP_ENV = "NANUM_SYNC_ALLOW_INSECURE_HTTP"
#: the kiosk setting ``nanum sync configure --allow-insecure-http`` stores
INSECURE_SETTING = "sync_allow_insecure_http"
INSECURE_URL = N_("The platform address {url} is not https://. Plain http:// is only allowed for a "
                  "test platform on this computer, with --allow-insecure-http.")


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host is None:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def insecure_url(url: str, allow_insecure_http: bool | None = None) -> bool:
    """True when ``url`` may not be used: it is not https://, unless it is http:// to this
    computer and that is allowed (``allow_insecure_http``, or the environment's
    NANUM_SYNC_ALLOW_INSECURE_HTTP=1 when not said)."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() == "https" and parts.hostname:
        return False
    if allow_insecure_http is None:
        allow_insecure_http = os.environ.get(INSECURE_HTTP_ENV) == "1"
    return not (allow_insecure_http and parts.scheme.lower() == "http" and is_loopback(parts.hostname))
