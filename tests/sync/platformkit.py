"""Building blocks of the sync tests: the platform served on loopback, kiosks
registered on it, and functions to stock a kiosk, drain it and compare states."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from pathlib import Path

from pg import free_port

NOW = dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)
# The test platforms listen on plain http://127.0.0.1: allowed explicitly, for this
# process and the kiosk processes it starts (a kiosk refuses http:// otherwise).
os.environ["NANUM_SYNC_ALLOW_INSECURE_HTTP"] = "1"


class Clock:
    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


class Server:
    """The platform app served by uvicorn in a thread on a free loopback port."""

    def __init__(self, app, port: int | None = None, **uvicorn_kw) -> None:
        import uvicorn

        from sync.hub.guard import UVICORN_OPTIONS

        uvicorn_kw = UVICORN_OPTIONS | uvicorn_kw  # served as 'nanum hub serve' does
        self.port = port or free_port()
        scheme = "https" if uvicorn_kw.get("ssl_certfile") else "http"
        self.url = f"{scheme}://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="off", access_log=False, **uvicorn_kw)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the platform server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class ServerProcess:
    """The platform served by uvicorn in its own process (as deployed: no shared GIL)."""

    def __init__(self, db_url: str) -> None:
        import os
        import subprocess
        import sys

        import httpx

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, NANUM_HUB_DB=db_url,
                   PYTHONPATH=str(Path(__file__).resolve().parents[2]))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "sync.hub.app:app_from_env",
             "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(self.url + "/api/v1/info", timeout=1)
                return
            except httpx.HTTPError as exc:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("the platform server process did not start") from exc
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except Exception:
            self.proc.kill()


class Platform:
    """A platform database + server, with shortcuts to set up sites and kiosks."""

    def __init__(self, db, tmp: Path, **app_kw) -> None:
        from sync.hub.app import create_app

        self.db = db
        self.tmp = tmp
        self.app = create_app(db, **app_kw)
        self.server = Server(self.app)
        self.url = self.server.url
        self.sites: set[str] = set()
        self._opened: list = []

    def site(self, code: str, name: str = "") -> None:
        from sync.hub import admin

        if code not in self.sites:
            admin.add_site(self.db, code, name or f"{code} 나눔센터")
            self.sites.add(code)

    def credential(self, kiosk_id: str, site: str) -> str:
        from sync.hub import admin

        self.site(site)
        return admin.add_kiosk(self.db, kiosk_id, site)

    def kiosk(self, site: str = "GN01", kiosk_id: str | None = None, clock: Clock | None = None,
              **client_kw):
        """A set-up kiosk registered on this platform: (kiosk, client, clock)."""
        from kiosk.services import open_kiosk
        from sync.client import SyncClient

        kiosk_id = kiosk_id or f"{site}-k{len(list(self.tmp.glob('kiosk-*'))) + 1}"
        clock = clock or Clock()
        k = open_kiosk(self.tmp / f"kiosk-{kiosk_id}", clock=clock)
        k.initialise(site, f"{site} 나눔센터", kiosk_id=kiosk_id)
        client = SyncClient(client_kw.pop("url", self.url), self.credential(kiosk_id, site), **client_kw)
        self._opened.append((k, client))
        return k, client, clock

    def admin_token(self, name: str = "city-admin") -> str:
        """A new administrator's token (what 'nanum hub add-admin' prints)."""
        from sync.hub import admin

        return admin.add_admin(self.db, name)

    def db_url(self) -> str:
        return self.db.engine.url.render_as_string(hide_password=False)

    def session(self):
        return self.db.transaction()

    def close(self) -> None:
        for k, client in self._opened:
            client.close()
            k.close()
        self.server.stop()
        self.db.close()


def stock(k, items: int = 3, members: int = 2, prefix: str = "T", start: int = 1):
    """Add ``items`` items and ``members`` members at the kiosk: (codes, cards)."""
    codes = []
    for i in range(start, start + items):
        codes.append(k.catalogue.add_item(f"{prefix}-{i:05d}", f"물품 {prefix}{i}", parts=2).code)
    cards = [k.members.add(f"회원{j}")[1] for j in range(members)]
    return codes, cards


def drain(k, client, rounds: int = 6):
    """Sync until nothing is left to send and a round changes nothing."""
    from kiosk.services import syncstate
    from sync.round import sync_round

    for _ in range(rounds):
        report = sync_round(k, client)
        if syncstate.outbox_depth(k) == 0 and not report.pushed and not report.changed:
            return report
    raise AssertionError("sync did not settle")


def digests_agree(platform, k) -> tuple[dict, dict]:
    from sync.digest import kiosk_digest
    from sync.hub.digest import site_digest

    with platform.session() as s:
        server = site_digest(s, k.kiosk_id)
    return kiosk_digest(k), server
