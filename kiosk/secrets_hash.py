"""PIN hashing with scrypt (memory-hard), from the standard library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

_N, _R, _P = 2**14, 8, 1
#: the exact shape of what hash_pin makes (16-byte salt, 32-byte digest). A hash
#: that arrives over the wire must have it: other scrypt costs could make one
#: check take minutes or gigabytes.
PIN_HASH_PATTERN = rf"^scrypt\${_N}\${_R}\${_P}\$[A-Za-z0-9+/]{{22}}==\$[A-Za-z0-9+/]{{43}}=$"
# Checked against when there is no stored hash (an unknown membership number, a
# member without a PIN): the same scrypt work either way, so the time a wrong
# answer takes does not tell whether the number exists.
_DUMMY_SALT = os.urandom(16)


def hash_pin(pin: str) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def check_pin(pin: str, stored: str | None) -> bool:
    """True when ``pin`` matches ``stored``; runs one scrypt even when nothing is stored."""
    data = (pin or "").encode("utf-8", "replace")
    try:
        _, n, r, p, salt, digest = (stored or "").split("$")
        got = hashlib.scrypt(data, salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32)
        want = base64.b64decode(digest)
    except (ValueError, TypeError):
        hashlib.scrypt(data, salt=_DUMMY_SALT, n=_N, r=_R, p=_P, dklen=32)
        return False
    return hmac.compare_digest(got, want)
