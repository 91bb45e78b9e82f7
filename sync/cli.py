"""``nanum hub ...`` (the reference platform) and ``nanum sync ...`` (this kiosk's sync).

:func:`register` adds the sub-commands to the ``nanum`` parser; heavy imports
(FastAPI, uvicorn, httpx) happen only when a command runs.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kiosk.errors import BadInput
from kiosk.i18n import N_
from kiosk.limits import RATE_PER_ADDRESS, RATE_PER_CREDENTIAL, RATE_WINDOW_S
from kiosk.platform_url import INSECURE_SETTING

if TYPE_CHECKING:
    from kiosk.services.core import Kiosk
    from sync.client import SyncClient
    from sync.hub.db import Database

#: a command's handler: parsed arguments in, exit status out
Handler = Callable[[argparse.Namespace], int]
_Parser = TypeVar("_Parser", bound=argparse.ArgumentParser)

CREDENTIAL_FILE = "sync-credential"
#: the stored setting that lets http:// reach a platform on this computer (tests, demos)
NOT_CONFIGURED = N_("Sync is not set up. Run 'nanum sync configure --url URL --kiosk-id ID "
                    "--credential-file FILE' first.")
NO_CREDENTIAL_ARG = N_("A credential on the command line can be seen by other users of this computer. "
                       "Use --credential-file FILE, or --credential-file - to read it from standard input.")
NOT_A_CREDENTIAL = N_("{path} does not hold a credential: one line, as 'nanum hub add-kiosk' printed it.")


def register(sub: argparse._SubParsersAction[_Parser],
             command: Callable[[str], Callable[[Handler], Handler]]) -> None:
    """Add ``hub`` and ``sync`` to the ``nanum`` sub-commands; ``command`` registers handlers."""
    db_help = "platform database: postgresql://user@host/db or sqlite:///file (default $NANUM_HUB_DB)"
    hub = sub.add_parser("hub", help="the reference city platform server").add_subparsers(
        dest="sub", required=True, metavar="HUB_COMMAND")

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", default=os.environ.get("NANUM_HUB_DB"), help=db_help)
        p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return p

    s = with_db(hub.add_parser("serve", help="serve the platform API and resident pages"))
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8700)
    s.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    s.add_argument("--tls-cert", help="certificate file (PEM) to serve HTTPS")
    s.add_argument("--tls-key", help="private key file (PEM) of the certificate")
    s.add_argument("--rate-per-address", type=int, metavar="N",
                   help=f"requests in {RATE_WINDOW_S} s from one client address (default {RATE_PER_ADDRESS}; "
                        "0: no limit, e.g. behind a proxy on another machine, where every client has its address)")
    s.add_argument("--rate-per-credential", type=int, metavar="N",
                   help=f"requests in {RATE_WINDOW_S} s with one kiosk credential or administrator token "
                        f"(default {RATE_PER_CREDENTIAL}; 0: no limit)")
    s = with_db(hub.add_parser("add-admin", help="create an administrator; prints their token once"))
    s.add_argument("name")
    s.add_argument("--rotate", action="store_true", help="issue a new token to a known administrator")
    s.add_argument("--token-file", help="write the token to this new file (mode 0600) instead of printing it")
    s.add_argument("--role", choices=("city", "district", "centre"),
                   help="city: every site (the default for a new account); district: the sites of "
                        "--district; centre: the site --site")
    s.add_argument("--district", help="a district officer's 자치구, e.g. 강남구")
    s.add_argument("--site", help="a centre manager's site code")
    s = with_db(hub.add_parser("set-district", help="put a site in one of Seoul's 25 districts (자치구)"))
    s.add_argument("site")
    s.add_argument("district", help="e.g. 강남구")
    s = with_db(hub.add_parser("revoke-admin", help="revoke an administrator's token"))
    s.add_argument("name")
    with_db(hub.add_parser("init", help="create or upgrade the platform database"))
    with_db(hub.add_parser("restored", help="after restoring the platform database from a backup: "
                                            "every kiosk downloads the feed again and re-sends what it lacks"))
    s = with_db(hub.add_parser("add-site", help="add a sharing centre"))
    s.add_argument("code")
    s.add_argument("name")
    s = with_db(hub.add_parser("add-kiosk", help="register a kiosk; prints its credential once"))
    s.add_argument("kiosk_id")
    s.add_argument("--site", required=True)
    s.add_argument("--rotate", action="store_true", help="issue a new credential to a known kiosk")
    s.add_argument("--credential-file",
                   help="write the credential to this new file (mode 0600) instead of printing it")
    s = with_db(hub.add_parser("revoke-kiosk", help="revoke a kiosk's credential"))
    s.add_argument("kiosk_id")
    with_db(hub.add_parser("stats", help="city-wide indicators and events per kiosk"))
    with_db(hub.add_parser("worker", help="run a job worker: delivers notices by e-mail and text message "
                                          "(run several; PostgreSQL only)"))
    with_db(hub.add_parser("notices", help="notices that could not be delivered after every retry"))
    s = with_db(hub.add_parser("add-member", help="register a resident on the platform; prints their card once"))
    s.add_argument("name")
    s.add_argument("--site", required=True, help="the member's home centre")
    s.add_argument("--type", default="standard", help="standard, family, senior or organisation")
    s.add_argument("--expires", help="membership ends on this day (YYYY-MM-DD; default: in a year)")
    s.add_argument("--language", default="ko")
    s = with_db(hub.add_parser("import", help="register residents from a file (CSV or XLSX)"))
    s.add_argument("kind", choices=["members"])
    s.add_argument("file")
    s.add_argument("--site", required=True, help="the members' home centre")
    s = with_db(hub.add_parser("card-policy", help="which other centres' member cards a centre lends to"))
    s.add_argument("site")
    s.add_argument("--honour", metavar="all|none|SITE,SITE",
                   help="set the policy (without it: show it)")
    s = with_db(hub.add_parser("block-phone-card", help="a member lost their phone: their phone card stops "
                                                        "working (staff, on the member's request)"))
    s.add_argument("member", help="membership number")
    s = with_db(hub.add_parser("compact", help="shrink the change feed"))
    s.add_argument("--purge-days", type=int,
                   help="also delete reservations that ended this many days ago (older cursors expire)")

    s = sub.add_parser("sync", help="send this kiosk's events to the platform and fetch its changes")
    s.add_argument("--url", help="platform address (default: 'nanum sync configure' or the config file)")
    s.add_argument("--credential", help=argparse.SUPPRESS)  # refused: see NO_CREDENTIAL_ARG
    s.add_argument("--ca-bundle", help="CA bundle to verify the platform's certificate")
    s.add_argument("--once", action="store_true", help="one push and pull round (the default)")
    s.add_argument("--loop", action="store_true", help="keep syncing in the background until stopped")
    s.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    ssub = s.add_subparsers(dest="sub", required=False, metavar="SYNC_COMMAND")
    c = ssub.add_parser("configure", help="remember the platform address and this kiosk's credential")
    c.add_argument("--url", required=True)
    c.add_argument("--kiosk-id", required=True)
    c.add_argument("--credential-file", metavar="FILE",
                   help="file holding this kiosk's credential ('-': read it from standard input)")
    c.add_argument("--credential", help=argparse.SUPPRESS)  # refused: see NO_CREDENTIAL_ARG
    c.add_argument("--ca-bundle")
    c.add_argument("--allow-insecure-http", action="store_true",
                   help="allow http:// to a platform on this computer (127.0.0.1, localhost), for tests")
    ssub.add_parser("status", help="outbox depth, last sync, conflicts")
    u = ssub.add_parser("update-check", help="ask the platform which version this kiosk should install "
                                             "(staged updates, docs/updates.md)")
    u.add_argument("--version-only", action="store_true",
                   help="print only the version to install, nothing when none is due (for nanum-update)")

    for name, fn in (("hub serve", hub_serve), ("hub init", hub_init), ("hub add-site", hub_add_site),
                     ("hub add-kiosk", hub_add_kiosk), ("hub revoke-kiosk", hub_revoke_kiosk),
                     ("hub add-admin", hub_add_admin), ("hub revoke-admin", hub_revoke_admin),
                     ("hub set-district", hub_set_district),
                     ("hub stats", hub_stats), ("hub compact", hub_compact), ("sync", sync_now),
                     ("hub add-member", hub_add_member), ("hub import", hub_import),
                     ("hub card-policy", hub_card_policy), ("hub restored", hub_restored),
                     ("hub worker", hub_worker), ("hub notices", hub_notices),
                     ("hub block-phone-card", hub_block_phone_card),
                     ("sync configure", sync_configure), ("sync status", sync_status)):
        command(name)(fn)
    from sync.partners_cli import register as register_partners

    register_partners(hub, command)
    from sync.lifecycle_cli import register as register_lifecycle

    register_lifecycle(hub, command)
    from sync.rollout_cli import register as register_rollout
    from sync.rollout_cli import sync_update_check

    register_rollout(hub, command)
    command("sync update-check")(sync_update_check)
    from sync.retention_cli import register as register_retention

    register_retention(hub, command)


# -- the platform -----------------------------------------------------------------------
def _db(args: argparse.Namespace, migrate: bool = False) -> Database:
    from sync.hub.db import Database

    if not args.db:
        raise BadInput("Name the platform database with --db or NANUM_HUB_DB.")
    return Database.open(args.db, migrate=migrate)


def hub_init(args: argparse.Namespace) -> int:
    from sync.hub import admin

    db = _db(args)
    epoch = admin.init(db)
    args.out.emit({"ok": True, "epoch": epoch}, [args.out.t("Platform database ready.")])
    return 0


def hub_restored(args: argparse.Namespace) -> int:
    from sync.hub import admin

    epoch = admin.restored(_db(args, migrate=True))
    args.out.emit({"ok": True, "epoch": epoch},
                  [args.out.t("The platform starts a new feed: every kiosk downloads it whole at its next "
                              "sync and sends again the events this backup lacks.")])
    return 0


def hub_add_site(args: argparse.Namespace) -> int:
    from sync.hub import admin

    admin.add_site(_db(args), args.code, args.name)
    args.out.emit({"site": args.code, "name": args.name}, [args.out.t("Site {site} added.", site=args.code)])
    return 0


def hub_add_kiosk(args: argparse.Namespace) -> int:
    from sync.hub import admin

    if args.credential_file:
        _check_new_file(args.credential_file)
    cred = admin.add_kiosk(_db(args), args.kiosk_id, args.site, rotate=args.rotate)
    if args.credential_file:
        _write_secret(args.credential_file, cred)
        args.out.emit({"kiosk_id": args.kiosk_id, "site": args.site, "credential_file": args.credential_file},
                      [args.out.t("Kiosk {kiosk} registered for site {site}. Its credential is in {path}.",
                                  kiosk=args.kiosk_id, site=args.site, path=args.credential_file)])
        return 0
    args.out.emit({"kiosk_id": args.kiosk_id, "site": args.site, "credential": cred},
                  [args.out.t("Kiosk {kiosk} registered for site {site}. Its credential (shown once): "
                              "{credential}", kiosk=args.kiosk_id, site=args.site, credential=cred)])
    return 0


def _check_new_file(path: str) -> None:
    if os.path.lexists(path):
        raise BadInput("{path} exists already; choose a new file name.", path=path)


def _write_secret(path: str, secret: str) -> None:
    """``secret`` in the new file ``path``, readable by this user only from the start."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(secret + "\n")
    except OSError as exc:
        raise BadInput("Cannot write {path}: {reason}", path=path, reason=exc.strerror or str(exc)) from exc


def hub_add_admin(args: argparse.Namespace) -> int:
    from sync.hub import admin

    if args.token_file:
        _check_new_file(args.token_file)
    token = admin.add_admin(_db(args), args.name, rotate=args.rotate, role=args.role,
                            district=args.district, site=args.site)
    if args.token_file:
        _write_secret(args.token_file, token)
        args.out.emit({"name": args.name, "token_file": args.token_file},
                      [args.out.t("Administrator {name} added. Their token is in {path}.",
                                  name=args.name, path=args.token_file)])
        return 0
    args.out.emit({"name": args.name, "token": token},
                  [args.out.t("Administrator {name} added. Their token (shown once): {token}",
                              name=args.name, token=token)])
    return 0


def hub_set_district(args: argparse.Namespace) -> int:
    from sync.hub import roles

    district = roles.set_district(_db(args), args.site, args.district)
    args.out.emit({"site": args.site, "district": district},
                  [args.out.t("Site {site} is in {district}.", site=args.site, district=district)])
    return 0


def hub_revoke_admin(args: argparse.Namespace) -> int:
    from sync.hub import admin

    admin.revoke_admin(_db(args), args.name)
    args.out.emit({"name": args.name, "revoked": True},
                  [args.out.t("Administrator {name} can no longer sign in.", name=args.name)])
    return 0


def hub_revoke_kiosk(args: argparse.Namespace) -> int:
    from sync.hub import admin

    admin.revoke_kiosk(_db(args), args.kiosk_id)
    args.out.emit({"kiosk_id": args.kiosk_id, "revoked": True},
                  [args.out.t("Kiosk {kiosk} can no longer sync.", kiosk=args.kiosk_id)])
    return 0


def hub_stats(args: argparse.Namespace) -> int:
    from sync.hub import admin

    st = admin.stats(_db(args))
    lines = [args.out.t("Loans: {loans} ({open} open), members reached: {members}, items lent: {items}.",
                        loans=st["loans"], open=st["open_loans"], members=st["members_reached"],
                        items=st["items_lent"])]
    lines += [f"{k['kiosk_id']}\t{k['site']}\t{k['events']}\t{k['last_push_at'] or '-'}" for k in st["kiosks"]]
    args.out.emit(st, lines)
    return 0


def hub_worker(args: argparse.Namespace) -> int:
    from sync.hub import jobs

    if not args.db:
        raise BadInput("Name the platform database with --db or NANUM_HUB_DB.")
    db = _db(args, migrate=True)  # the queue's tables come with the platform's schema
    postgres = db.postgres
    db.close()
    if not postgres:
        raise BadInput("The job worker needs the platform's database on PostgreSQL.")
    jobs.run_worker(args.db)
    return 0


def hub_notices(args: argparse.Namespace) -> int:
    from sync.hub import notices

    rows = notices.failed(_db(args))
    lines = [args.out.t("Notices not delivered after every retry: {count}", count=len(rows))]
    lines += [f"{r['notice']}\t{r['member']}\t{r['channel']}\t{r['attempts']}\t{r['error'] or '-'}" for r in rows]
    args.out.emit(rows, lines)
    return 0


def hub_add_member(args: argparse.Namespace) -> int:
    import datetime as dt

    from sync.hub import admin

    try:
        expires = dt.date.fromisoformat(args.expires) if args.expires else None
    except ValueError:
        raise BadInput("Not a date: {value}. Write it like 2026-12-31.", value=args.expires[:40]) from None
    number, card = admin.register_member(_db(args), args.site, args.name, args.type,
                                         expires_on=expires, language=args.language)
    args.out.emit({"number": number, "site": args.site, "card": card},
                  [args.out.t("Member {number} registered at {site}.", number=number, site=args.site),
                   args.out.t("Card code (shown once, print it on the card): {card}", card=card)])
    return 0


def hub_import(args: argparse.Namespace) -> int:
    from sync.hub import admin

    done = admin.import_members(_db(args), args.site, args.file)
    if done["errors"]:
        lines = [args.out.t("Nothing was imported: {count} row(s) need fixing.", count=len(done["errors"]))]
        lines += [args.out.t("Row {row}: {message}", row=e.row, message=e.message.render(args.out.lang))
                  for e in done["errors"]]
        args.out.emit({"rows": done["rows"], "errors": [{"row": e.row, "message": e.message.render("en")}
                                                         for e in done["errors"]]}, lines)
        return 2
    lines = [args.out.t("{count} members registered at {site}; their card codes are shown once:",
                        count=len(done["members"]), site=args.site)]
    lines += [f"{m['row']}\t{m['number']}\t{m['card']}" for m in done["members"]]
    args.out.emit(done, lines)
    return 0


def hub_card_policy(args: argparse.Namespace) -> int:
    from sync.hub import admin

    policy = admin.set_card_policy(_db(args), args.site, args.honour) if args.honour is not None \
        else admin.card_policy(_db(args), args.site)
    honours = {"all": args.out.t("every centre"), "none": args.out.t("no other centre")}.get(
        policy["honour"], ", ".join(policy["sites"]))
    args.out.emit(policy, [args.out.t("{site} lends to members of {honours}.", site=args.site,
                                      honours=honours)])
    return 0


def hub_block_phone_card(args: argparse.Namespace) -> int:
    from sync.hub.resident import set_phone_card

    db = _db(args)
    number = args.member.strip().upper()
    set_phone_card(db, number, None)
    args.out.emit({"ok": True, "member": number},
                  [args.out.t("The phone card of {member} is blocked; kiosks stop taking it after their next "
                              "sync. The plastic card keeps working.", member=number)])
    return 0


def hub_compact(args: argparse.Namespace) -> int:
    from sync.hub import admin

    done = admin.compact(_db(args), args.purge_days)
    args.out.emit(done, [args.out.t("Feed compacted: {superseded} rows dropped, {purged} old reservations "
                                    "purged.", superseded=done["superseded"],
                                    purged=done["purged_reservations"])])
    return 0


def hub_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from sync.hub.app import create_app
    from sync.hub.guard import RATE_ENV, UVICORN_OPTIONS, GuardSettings

    for field, name in RATE_ENV.items():
        value = getattr(args, "rate_" + field)
        if value is not None:
            if value < 0:
                raise BadInput("A rate is a number of requests, 0 for no limit.")
            os.environ[name] = str(value)  # read again by each worker process
    guard = GuardSettings.from_env(os.environ)
    db = _db(args, migrate=True)
    tls = {}
    if args.tls_cert or args.tls_key:
        if not (args.tls_cert and args.tls_key):
            raise BadInput("HTTPS needs both --tls-cert and --tls-key.")
        tls = {"ssl_certfile": args.tls_cert, "ssl_keyfile": args.tls_key}
    scheme = "https" if tls else "http"
    print(args.out.t("Serving the platform on {url}", url=f"{scheme}://{args.host}:{args.port}/"), flush=True)
    if args.workers > 1:
        db.close()
        os.environ["NANUM_HUB_DB"] = args.db
        uvicorn.run("sync.hub.app:app_from_env", factory=True, host=args.host, port=args.port,
                    workers=args.workers, log_level="warning", **tls, **UVICORN_OPTIONS)
    else:
        uvicorn.run(create_app(db, guard=guard), host=args.host, port=args.port, log_level="warning", **tls,
                    **UVICORN_OPTIONS)
    return 0


# -- this kiosk -------------------------------------------------------------------------
def _kiosk(args: argparse.Namespace) -> Kiosk:
    from kiosk.services import open_kiosk

    k = open_kiosk(args.data_dir, defaults=args.config.defaults)
    if not k.initialised:
        raise BadInput("This kiosk is not set up yet. Run 'nanum init' first.")
    return k


def sync_url(args: argparse.Namespace, k: Kiosk) -> str:
    """The platform's address: command line, then 'nanum sync configure' or staff mode's
    settings, then the config file ("" when none says)."""
    url: str = getattr(args, "url", None) or k.setting("sync_url") or args.config.get("sync", "url")
    return url


def sync_settings(args: argparse.Namespace, k: Kiosk) -> dict[str, Any]:
    """Where to sync: command line, then 'nanum sync configure', then the config file."""
    cfg = args.config
    url = sync_url(args, k)
    ca = getattr(args, "ca_bundle", None) or k.setting("sync_ca_bundle") or cfg.get("sync", "ca_bundle")
    if getattr(args, "credential", None):
        raise BadInput(NO_CREDENTIAL_ARG)
    cred = None
    for path in (Path(args.data_dir) / CREDENTIAL_FILE, cfg.get("sync", "credential_file")):
        if path and Path(path).is_file():
            cred = Path(path).read_text(encoding="utf-8").strip()
            break
    if not url or not cred:
        raise BadInput(NOT_CONFIGURED)
    return {"url": url, "credential": cred, "ca_bundle": ca or None,
            "interval_s": cfg.get("sync", "interval_s"),
            "allow_insecure_http": bool(k.setting(INSECURE_SETTING)) or None}


def read_credential(source: str) -> str:
    """The credential in the file ``source`` ('-': standard input), checked to be one line."""
    from kiosk.limits import CREDENTIAL_MAX, echo

    try:
        if source == "-":
            text = sys.stdin.read(CREDENTIAL_MAX + 2)
        else:
            with open(source, "rb") as fh:
                text = fh.read(CREDENTIAL_MAX + 2).decode("utf-8")
    except OSError as exc:
        raise BadInput("Cannot read {path}: {reason}", path=source, reason=exc.strerror or str(exc)) from exc
    except UnicodeDecodeError:
        text = ""
    cred = text.strip()
    if not re.fullmatch(rf"[\x21-\x7e]{{1,{CREDENTIAL_MAX}}}", cred):
        raise BadInput(NOT_A_CREDENTIAL, path=echo(source))
    return cred


def sync_configure(args: argparse.Namespace) -> int:
    from kiosk.limits import echo
    from kiosk.platform_url import INSECURE_URL, insecure_url
    from kiosk.runtime import write_private

    if args.credential is not None or not args.credential_file:
        raise BadInput(NO_CREDENTIAL_ARG)
    if insecure_url(args.url, args.allow_insecure_http or None):
        raise BadInput(INSECURE_URL, url=echo(args.url))
    credential = read_credential(args.credential_file)
    k = _kiosk(args)
    if args.kiosk_id != k.kiosk_id:
        raise BadInput("This kiosk's id is {kiosk}; register it on the platform under that id.",
                       kiosk=k.kiosk_id)
    write_private(Path(args.data_dir) / CREDENTIAL_FILE, credential + "\n")
    with k.transaction() as s:
        k.set_setting(s, "sync_url", args.url)
        k.set_setting(s, "sync_ca_bundle", args.ca_bundle or "")
        k.set_setting(s, INSECURE_SETTING, bool(args.allow_insecure_http))
        k.record(s, "sync.configured", {"url": args.url})
    args.out.emit({"url": args.url, "kiosk_id": k.kiosk_id},
                  [args.out.t("Sync set up with {url}.", url=args.url)])
    return 0


def sync_now(args: argparse.Namespace) -> int:
    from sync.client import SyncClient, SyncError
    from sync.round import sync_round

    k = _kiosk(args)
    conf = sync_settings(args, k)

    def client() -> SyncClient:
        return SyncClient(conf["url"], conf["credential"], ca_bundle=conf["ca_bundle"],
                          allow_insecure_http=conf["allow_insecure_http"])

    if args.loop:
        return _loop(args, k, client, conf["interval_s"])
    try:
        with client() as c:
            report = sync_round(k, c)
    except SyncError as exc:
        args.out.emit({"ok": False, "error": exc.message.render(args.lang), "detail": exc.detail}, [])
        print(args.out.t("Sync failed: {reason}", reason=exc.message.render(args.lang)))
        return 1
    args.out.emit({"ok": True} | report.to_json(),
                  [args.out.t("Sync done: {pushed} events sent, {pulled} changes received, {outbox} waiting.",
                              pushed=report.pushed, pulled=report.pulled, outbox=report.outbox)])
    return 0


def _loop(args: argparse.Namespace, k: Kiosk, client: Callable[[], SyncClient], interval: float) -> int:
    import signal
    import threading

    from sync.worker import SyncWorker

    worker = SyncWorker(k, client, interval_s=interval)
    done = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: done.set())
    worker.start()
    done.wait()
    worker.stop()
    return 0


def sync_status(args: argparse.Namespace) -> int:
    from kiosk.services import recovery, syncstate

    k = _kiosk(args)
    data = {"outbox": syncstate.outbox_depth(k), "acked_seq": syncstate.acked_seq(k),
            "last_success": k.setting(syncstate.LAST_SUCCESS), "cursor": syncstate.cursor(k),
            "conflicts": syncstate.conflicts(k)[-20:], "url": k.setting("sync_url"),
            "refused": syncstate.refused(k), "recovery": recovery.status(k)}
    refused = [syncstate.refusal_message(e).render(args.out.lang) for e in data["refused"]]
    rec, recovered = data["recovery"], []
    if rec and rec.get("state") == "pending":
        recovered.append(args.out.t("Restored from a backup: the kiosk will fetch what it had sent "
                                     "since this backup at its next sync."))
    elif rec:
        recovered.append(args.out.t("Recovered after a restore ({when}): {fetched} events fetched "
                                     "from the platform, {renumbered} of this kiosk's own renumbered "
                                     "after them.", when=rec.get("at", "-"), fetched=rec.get("fetched", 0),
                                     renumbered=rec.get("renumbered", 0)))
    args.out.emit(data, [args.out.t("Waiting to be sent: {count} events. Last sync: {when}.",
                                    count=data["outbox"], when=data["last_success"] or "-")]
                  + recovered
                  + [f"{c['at']}\t{c['kind']}\t{c['subject']}" for c in data["conflicts"]]
                  + ([args.out.t("Events refused by the city platform: {count}", count=len(data["refused"]))]
                     if data["refused"] else [])
                  + refused)
    return 0
