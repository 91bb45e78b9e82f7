"""Contact data (phone numbers, e-mail addresses) encrypted at rest, with a key kept outside the database.

A copy of the database (a backup, a stolen disk image, a support dump) holds
contacts only as ciphertext: Fernet (AES-128-CBC with HMAC-SHA256, from the
``cryptography`` package; no hand-written cryptography). The key is a file
(``contact.key`` in the data folder by default, or the path IT configures:
``[privacy] key_file`` on a kiosk, ``NANUM_HUB_CONTACT_KEY`` on the platform),
created 0600 on first use and never written to the database.

Stored values are ``"enc1:" + token``; a value without the prefix is an old
plain contact, read as it is and encrypted by :func:`seal_existing` (kiosk) or
the platform's start-up.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

PREFIX = "enc1:"
KEY_FILENAME = "contact.key"
log = logging.getLogger("nanum.privacy")


class ContactKey:
    """One key file: encrypts and decrypts contact values (created at first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._fernet: Fernet | None = None

    def _key(self) -> Fernet:
        if self._fernet is None:
            try:
                key = self.path.read_bytes().strip()
            except FileNotFoundError:
                key = self._create()
            self._fernet = Fernet(key)
        return self._fernet

    def _create(self) -> bytes:
        key = Fernet.generate_key()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return self.path.read_bytes().strip()
        try:
            os.write(fd, key + b"\n")
            os.fsync(fd)
        except OSError:
            os.close(fd)
            with contextlib.suppress(OSError):
                self.path.unlink()
            raise
        os.close(fd)
        return key

    def seal(self, text: str | None) -> str | None:
        """``text`` encrypted for storage (None and "" stay None)."""
        if not text:
            return None
        if text.startswith(PREFIX):
            return text
        return PREFIX + self._key().encrypt(text.encode("utf-8")).decode("ascii")

    def open(self, stored: str | None) -> str | None:
        """The contact a stored value holds; an old plain value as it is.

        A value this key cannot open (the key file was replaced) reads as None
        and is logged without the value: a screen shows no contact rather than
        failing.
        """
        if not stored:
            return None
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._key().decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError):
            log.error("a contact does not open with the key in %s", self.path)
            return None


def is_sealed(stored: str | None) -> bool:
    return bool(stored) and str(stored).startswith(PREFIX)
