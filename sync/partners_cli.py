"""``nanum hub add-partner | revoke-partner | partners | partner-audit``: a city
administrator registers the private platforms that reserve for members
(sync.hub.partners), and reads what each did."""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Callable
from typing import Any

from sync.cli import Handler, _check_new_file, _db, _write_secret


def register(hub: argparse._SubParsersAction[Any], command: Callable[[str], Callable[[Handler], Handler]]) -> None:
    """Add the partner commands to ``nanum hub``."""
    try:
        from sync.hub.partners import DEFAULT_QUOTA, SCOPES
    except ImportError:  # the kiosk's bundle leaves the platform out (packaging/nanum.spec)
        return

    db_help = "platform database (default $NANUM_HUB_DB)"

    def with_db(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        p.add_argument("--db", default=os.environ.get("NANUM_HUB_DB"), help=db_help)
        return p

    s = with_db(hub.add_parser("add-partner", help="register a partner platform (OAuth2 client); "
                                                   "prints its client id and secrets once"))
    s.add_argument("name")
    s.add_argument("--redirect-uri", action="append", default=[], metavar="URL",
                   help="where members come back after consenting (https; repeatable)")
    s.add_argument("--scope", action="append", choices=sorted(SCOPES), default=[],
                   help="what the partner may ask for (repeatable)")
    s.add_argument("--quota", type=int, default=DEFAULT_QUOTA, metavar="N", help="requests a minute")
    s.add_argument("--webhook-url", metavar="URL", help="where signed webhooks go (https)")
    s.add_argument("--secrets-file", metavar="FILE",
                   help="write the client secret and webhook secret to this new file (mode 0600) instead")
    s = with_db(hub.add_parser("revoke-partner", help="revoke a partner's secret and every token it holds"))
    s.add_argument("client_id")
    with_db(hub.add_parser("partners", help="each partner's reservations, pickups, members linked and calls"))
    s = with_db(hub.add_parser("partner-audit", help="a partner's latest actions"))
    s.add_argument("client_id")
    s.add_argument("--limit", type=int, default=100)
    for name, fn in (("hub add-partner", hub_add_partner), ("hub revoke-partner", hub_revoke_partner),
                     ("hub partners", hub_partners), ("hub partner-audit", hub_partner_audit)):
        command(name)(fn)


def hub_add_partner(args: argparse.Namespace) -> int:
    from sync.hub import partners

    if args.secrets_file:
        _check_new_file(args.secrets_file)
    reg = partners.register(_db(args), args.name, redirect_uris=args.redirect_uri, scopes=args.scope,
                            quota_per_minute=args.quota, webhook_url=args.webhook_url)
    secrets_ = {"client_secret": reg.client_secret, "webhook_secret": reg.webhook_secret}
    if args.secrets_file:
        _write_secret(args.secrets_file, json.dumps(secrets_))
        args.out.emit({"client_id": reg.client_id, "secrets_file": args.secrets_file},
                      [args.out.t("Partner {name} registered as {client_id}. Its secrets are in {path}.",
                                  name=args.name, client_id=reg.client_id, path=args.secrets_file)])
        return 0
    args.out.emit({"client_id": reg.client_id, **secrets_},
                  [args.out.t("Partner {name} registered as {client_id}. Client secret (shown once): {secret}. "
                              "Webhook secret (shown once): {hook}",
                              name=args.name, client_id=reg.client_id, secret=reg.client_secret,
                              hook=reg.webhook_secret)])
    return 0


def hub_revoke_partner(args: argparse.Namespace) -> int:
    from sync.hub import partners

    partners.revoke(_db(args), args.client_id)
    args.out.emit({"client_id": args.client_id, "revoked": True},
                  [args.out.t("Partner {client_id} can no longer call the platform.", client_id=args.client_id)])
    return 0


def hub_partners(args: argparse.Namespace) -> int:
    from sync.hub import partners

    rows = partners.usage(_db(args))
    lines = [f"{u['client_id']}\t{u['name']}\t{u['reservations']}\t{u['pickups']}\t{u['members_linked']}"
             f"\t{u['calls']}\t{u['refused_calls']}" for u in rows]
    args.out.emit(rows, lines)
    return 0


def hub_partner_audit(args: argparse.Namespace) -> int:
    from sync.hub import partners

    rows = partners.audit_log(_db(args), args.client_id, max(1, min(args.limit, 1000)))
    args.out.emit(rows, [f"{a['at']}\t{a['action']}\t{a['member'] or '-'}\t{a['subject'] or '-'}\t{a['status']}"
                         for a in rows])
    return 0
