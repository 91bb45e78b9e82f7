"""The platform's front door: request rates, body sizes and slow clients.

:class:`Guard` is a pure ASGI middleware in front of every route. Before the
application sees a request it

* counts the request against the client address and, when it carries a bearer
  credential, against that credential (moving windows in this process's
  memory, see :class:`MovingWindow`): over the limit answers 429 with
  ``Retry-After``;
* refuses a declared ``Content-Length`` over the route's limit at once (413),
  then reads the body itself, counting bytes as they arrive and stopping past
  the limit (413), so an oversized body is never held whole nor parsed;
* bounds the pause between two parts of the body and the body's whole time
  (408), so a client trickling bytes cannot hold a worker.

The body read is handed to the application unchanged. Every refusal is the
protocol's :class:`~sync.protocol.ErrorBody` and closes the connection.

:class:`HeaderDeadline` closes connections that do not finish sending their
request headers in time (uvicorn itself waits for ever).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

from uvicorn.protocols.http.h11_impl import H11Protocol

from kiosk import limits as L
from kiosk.i18n import LANGUAGES, N_, translate
from sync.protocol import API_PREFIX, RATE_LIMITED, TIMEOUT, TOO_LARGE

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TOO_LARGE_MSG = N_("The request is too large: at most {limit} bytes.")
TIMEOUT_MSG = N_("The request was sent too slowly and has been dropped.")
RATE_MSG = N_("Too many requests. Try again in {seconds} seconds.")
PUSH_PATH = API_PREFIX + "/push"
PHOTO_PATH = API_PREFIX + "/photos/"  # a kiosk's item photo upload (sync.hub.photos)
#: the environment's override of the request rates ('nanum hub serve --rate-per-...')
RATE_ENV = {"per_address": "NANUM_HUB_RATE_PER_ADDRESS", "per_credential": "NANUM_HUB_RATE_PER_CREDENTIAL"}


@dataclass(frozen=True)
class GuardSettings:
    """The guard's limits; the defaults are kiosk/limits.py's."""

    body_max: int = L.REQUEST_BODY_MAX
    push_body_max: int = L.PUSH_BODY_MAX
    photo_body_max: int = L.PHOTO_UPLOAD_MAX
    chunk_timeout_s: float = L.BODY_CHUNK_TIMEOUT_S
    body_timeout_s: float = L.BODY_READ_TIMEOUT_S
    window_s: int = L.RATE_WINDOW_S
    per_credential: int = L.RATE_PER_CREDENTIAL
    per_address: int = L.RATE_PER_ADDRESS

    @classmethod
    def from_env(cls, env: MutableMapping[str, str]) -> GuardSettings:
        """The defaults, with the request rates the environment sets (see :data:`RATE_ENV`)."""
        rates = {field: int(env[name]) for field, name in RATE_ENV.items() if env.get(name, "").isdigit()}
        return cls(**rates)


class MovingWindow:
    """At most ``limit`` hits per key in any ``window_s`` seconds: a log of hit times per key.

    Keys are kept in order of their last hit and at most ``max_keys`` of them (the
    least recently seen are forgotten first), so keys made up by a client, such as
    random credentials, cannot grow memory without bound. ``clock`` gives seconds
    (``time.monotonic``; tests pass their own).
    """

    def __init__(self, limit: int, window_s: float, *, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = L.RATE_KEYS_MAX) -> None:
        self.limit, self.window_s, self.clock, self.max_keys = limit, window_s, clock, max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._hits)

    def hit(self, key: str) -> float | None:
        """Count a hit on ``key``: None when allowed, else the seconds until one is."""
        now = self.clock()
        with self._lock:
            log = self._hits.get(key)
            if log is None:
                log = self._hits[key] = deque()
                while len(self._hits) > self.max_keys:
                    self._hits.popitem(last=False)
            else:
                self._hits.move_to_end(key)
            while log and log[0] <= now - self.window_s:
                log.popleft()
            if len(log) >= self.limit:
                return log[0] + self.window_s - now
            log.append(now)
            return None


class RateLimits:
    """Moving-window request counts per client address and per credential (0: no limit)."""

    def __init__(self, settings: GuardSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows = [(kind, MovingWindow(limit, settings.window_s, clock=clock))
                         for kind, limit in (("address", settings.per_address),
                                             ("credential", settings.per_credential)) if limit > 0]

    def hit(self, address: str, credential: str | None) -> int | None:
        """Count one request; None when allowed, else the whole seconds to wait before retrying."""
        # Credentials are keyed by a digest: raw ones are never kept, even in memory.
        keys: dict[str, str | None] = {"address": address,
                "credential": hashlib.sha256(credential.encode("utf-8", "replace")).hexdigest()
                if credential else None}
        for kind, window in self._windows:
            if (key := keys[kind]) is not None and (wait := window.hit(key)) is not None:
                return max(1, math.ceil(wait))
        return None


class _Refusal(Exception):
    def __init__(self, status: int, code: str, msgid: str, **params: Any) -> None:
        self.status, self.code, self.msgid, self.params = status, code, msgid, params


def _lang(scope: Scope, headers: dict[bytes, bytes]) -> str:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    lang = (query.get("lang") or [""])[0] or headers.get(b"accept-language", b"ko")[:2].decode("latin-1")
    return lang if lang in LANGUAGES else "ko"


def _bearer(headers: dict[bytes, bytes]) -> str | None:
    value = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, token = value.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class Guard:
    """ASGI middleware: rate limits, body size limit and body read deadlines (see module)."""

    def __init__(self, app: ASGIApp, settings: GuardSettings | None = None) -> None:
        self.app = app
        self.settings = settings or GuardSettings()
        self.rates = RateLimits(self.settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        try:
            address = (scope.get("client") or ("?", 0))[0]
            wait = self.rates.hit(address, _bearer(headers))
            if wait is not None:
                raise _Refusal(429, RATE_LIMITED, RATE_MSG, seconds=wait)
            limit = (self.settings.push_body_max if scope["path"] == PUSH_PATH
                     else self.settings.photo_body_max if scope["path"].startswith(PHOTO_PATH)
                     else self.settings.body_max)
            declared = headers.get(b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                raise _Refusal(413, TOO_LARGE, TOO_LARGE_MSG, limit=limit)
            body = await self._read_body(receive, limit)
        except _Refusal as refusal:
            await self._refuse(scope, headers, send, refusal)
            return
        if body is None:  # the client went away
            return
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive, limit: int) -> bytes | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.body_timeout_s
        parts: list[bytes] = []
        size = 0
        more = True
        while more:
            left = min(self.settings.chunk_timeout_s, deadline - loop.time())
            try:
                if left <= 0:
                    raise TimeoutError
                message = await asyncio.wait_for(receive(), left)
            except TimeoutError:
                raise _Refusal(408, TIMEOUT, TIMEOUT_MSG) from None
            if message["type"] == "http.disconnect":
                return None
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _Refusal(413, TOO_LARGE, TOO_LARGE_MSG, limit=limit)
            parts.append(chunk)
            more = message.get("more_body", False)
        return b"".join(parts)

    async def _refuse(self, scope: Scope, headers: dict[bytes, bytes], send: Send,
                      refusal: _Refusal) -> None:
        body = json.dumps({"error": refusal.code,
                           "message": translate(refusal.msgid, _lang(scope, headers), **refusal.params),
                           "detail": refusal.params}, ensure_ascii=False).encode("utf-8")
        out = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               (b"connection", b"close")]  # the rest of an unread body is not worth reading
        if refusal.status == 429:
            out.append((b"retry-after", str(refusal.params["seconds"]).encode()))
        await send({"type": "http.response.start", "status": refusal.status, "headers": out})
        await send({"type": "http.response.body", "body": body})


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that gives the application the body already read, then the live channel."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class HeaderDeadline(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request headers take longer
    than :data:`timeout_s` to arrive (uvicorn's ``http=``; a module-level class, so that
    several worker processes can be given it)."""

    timeout_s: float = L.HEADER_TIMEOUT_S
    _header_timer: asyncio.TimerHandle | None = None

    def _waiting_for_headers(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.timeout_s, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self._waiting_for_headers() and not self.transport.is_closing():
            self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._waiting_for_headers() and not self.transport.is_closing():
            self._arm()  # a request has begun: its headers have timeout_s from its first byte
        else:
            self._disarm()

    def on_response_complete(self) -> None:
        self._disarm()  # idle until the next request: uvicorn's keep-alive timeout applies
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)


#: what the platform passes to uvicorn: slow or idle clients are dropped
UVICORN_OPTIONS: dict[str, Any] = {"http": HeaderDeadline, "timeout_keep_alive": L.KEEP_ALIVE_TIMEOUT_S}
