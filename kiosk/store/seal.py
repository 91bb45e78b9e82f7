"""The seal on the event log: a keyed MAC over its head, with a key kept outside the database.

The hash chain alone shows an edited event, but not a log whose last events
were deleted, nor one whose chain was recomputed after an edit: anyone who
can write the database can do both with :func:`kiosk.store.events.event_hash`.
So every transaction that appends events also rewrites one row as it commits,
the *seal*: the head's sequence number and hash, and an HMAC-SHA256 of both
under a key that lives in a file in the
data folder (``kiosk.key``, 0600), not in the database. Without the key,
nobody can make a seal that matches a shortened or recomputed log.

The seal is the ``log_seal`` row of the settings table:
``{"seq": n, "hash": head hash, "mac": hex}``; the MAC covers
``"nanum-log-seal/1|<kiosk id>|<seq>|<hash>"``.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection

from kiosk.store.models import Setting

KEY_FILENAME = "kiosk.key"
SEAL_KEY = "log_seal"
_KEY_BYTES = 32


def seal_mac(key: bytes, kiosk_id: str, seq: int, head_hash: str) -> str:
    msg = f"nanum-log-seal/1|{kiosk_id}|{seq}|{head_hash}".encode()
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def seal_value(key: bytes, kiosk_id: str, seq: int, head_hash: str) -> dict[str, Any]:
    return {"seq": seq, "hash": head_hash, "mac": seal_mac(key, kiosk_id, seq, head_hash)}


def seal_matches(key: bytes, kiosk_id: str, seal: Any, seq: int, head_hash: str) -> bool:
    """Whether ``seal`` is this key's seal of the head (``seq``, ``head_hash``)."""
    if not isinstance(seal, dict) or not isinstance(seal.get("mac"), str):
        return False
    if seal.get("seq") != seq or seal.get("hash") != head_hash:
        return False
    return hmac.compare_digest(seal["mac"], seal_mac(key, kiosk_id, seq, head_hash))


class LogKey:
    """The kiosk's log key, read from its file once, created at set-up.

    Sessions carry it in ``session.info["log_key"]``; a transaction that
    appended events reseals the log with it just before it commits
    (:mod:`kiosk.store.events`).
    """

    def __init__(self, data_dir: str | Path) -> None:
        self.path = Path(data_dir) / KEY_FILENAME
        self._key: bytes | None = None

    @property
    def key(self) -> bytes | None:
        """The key, or None when there is no key file (or it cannot be read)."""
        if self._key is None:
            try:
                text = self.path.read_text(encoding="ascii").strip()
                key = bytes.fromhex(text)
            except (OSError, ValueError, UnicodeDecodeError):
                return None
            if len(key) < 16:
                return None
            self._key = key
        return self._key

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def create(self) -> bytes:
        """Write a new random key, readable by the kiosk's user only (0600 from the start).

        Refuses to replace an existing file: a new key would make every
        existing seal look forged.
        """
        key = secrets.token_bytes(_KEY_BYTES)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.write(fd, key.hex().encode("ascii") + b"\n")
            os.fsync(fd)
        except OSError:
            os.close(fd)
            _unlink_quietly(self.path)
            raise
        os.close(fd)
        self._key = key
        return key


def reseal(conn: Connection, key: bytes, kiosk_id: str, seq: int, head_hash: str) -> bool:
    """Move the seal to the new head; False when there is no seal row to move."""
    done = conn.execute(update(Setting).where(Setting.key == SEAL_KEY)
                        .values(value=seal_value(key, kiosk_id, seq, head_hash)))
    return done.rowcount == 1


def _unlink_quietly(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
