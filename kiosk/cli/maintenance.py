"""Keeping the data sound: log and database checks, backup, restore, retention,
the configuration file and schema upgrades."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.cli.base import Commands, arg, open_kiosk, whole
from kiosk.limits import RETENTION_DAYS_MAX

commands = Commands()


@commands.add("verify-log", "verify the event log's hash chain")
def cmd_verify_log(args: argparse.Namespace) -> int:
    report = open_kiosk(args, read_only=True).maintenance.verify_log()
    if report.ok:
        args.out.emit({"ok": True, "events": report.count},
                      [args.out.t("Event log verified: {count} events, chain intact.", count=report.count)])
        return 0
    problems = [m.render(args.lang) for m in report.problems]
    args.out.emit({"ok": False, "events": report.count, "first_bad_seq": report.first_bad_seq,
                   "reason": report.reason, "problems": problems}, [])
    for line in problems:
        print(line, file=sys.stderr)
    return 1


@commands.add("check", "check database integrity and lending invariants")
def cmd_check(args: argparse.Namespace) -> int:
    report = open_kiosk(args, read_only=True).maintenance.check()
    args.out.emit({"ok": report.ok, "problems": report.problems},
                  [args.out.t("Database checked: no problems.")] if report.ok else report.problems)
    return 0 if report.ok else 1


@commands.add("backup", "write a backup of the database", arg("file", type=Path))
def cmd_backup(args: argparse.Namespace) -> int:
    path = open_kiosk(args, read_only=True).maintenance.backup(args.file)  # also rescues a read-only disk
    args.out.emit({"backup": str(path)}, [args.out.t("Backup written to {path}.", path=str(path))])
    return 0


@commands.add(
    "restore", "restore the database from a backup (checked first; the data from before is kept next to "
               "the database)",
    arg("file", type=Path),
    arg("--reseal", action="store_true",
        help="accept a backup whose log is sealed with another key (this kiosk's key file was "
             "lost) and seal it with this kiosk's key"))
def cmd_restore(args: argparse.Namespace) -> int:
    from kiosk.errors import StorageError
    from kiosk.services.restore import DAMAGED, open_for_restore

    try:
        kiosk = open_kiosk(args, need_init=False)
    except StorageError as exc:
        if exc.msgid != DAMAGED:
            raise
        kiosk = open_for_restore(args.data_dir)  # a restore is what cures a damaged database
    done = kiosk.maintenance.restore(args.file, reseal=args.reseal)
    args.out.emit({"restored": str(args.file), "events": done.events, "saved_before": str(done.aside)},
                  [args.out.t("Restored from {path}.", path=str(args.file)),
                   args.out.t("The data from before was saved to {path}.", path=str(done.aside))]
                  + ([args.out.t("The kiosk will fetch what it had sent since this backup at its next sync.")]
                     if kiosk.maintenance.recovery_pending else []))
    return 0


@commands.add("config", "print the default configuration file, every option explained")
def cmd_config(args: argparse.Namespace) -> int:
    """Print the configuration file with every option, its default and its meaning."""
    from kiosk.config import render_default_config

    sys.stdout.write(render_default_config())
    return 0


@commands.add("retention", "pseudonymise old returned loans, delete photos nothing keeps",
              arg("--days", type=whole(0, RETENTION_DAYS_MAX)))
def cmd_retention(args: argparse.Namespace) -> int:
    from kiosk.services.desk import Desk

    kiosk = open_kiosk(args)
    n = kiosk.maintenance.retention(args.days)
    # Replaced item photos, expired condition photos, captures never saved (kiosk.photos).
    photos = Desk(kiosk).collect_photos()
    args.out.emit({"pseudonymised": n, "photos_removed": photos},
                  [args.out.t("{count} old loans pseudonymised.", count=n),
                   args.out.t("{count} photo files no longer needed were deleted.", count=photos)])
    return 0


@commands.add(
    "migrate", "bring the database to this version's schema (or, before a rollback, to an older "
               "version's)",
    arg("--replacing", metavar="VERSION",
        help="record that package VERSION (the one being replaced) ran with the schema the "
             "database is at now, before migrating it"),
    arg("--as-version", metavar="VERSION",
        help="record that package VERSION (this one) runs with the schema the database is at after "
             "migrating"),
    arg("--for-version", metavar="VERSION",
        help="migrate down to the schema the older package VERSION recorded on this kiosk (the "
             "Debian package does this before a rollback to VERSION replaces its files)"))
def cmd_migrate(args: argparse.Namespace) -> int:
    """Bring an existing database to this version's schema (the Debian package runs it on upgrade),
    or down to an older package version's schema before a rollback (docs/updates.md)."""
    from kiosk.errors import StorageError
    from kiosk.store import migrate
    from kiosk.store.db import DB_FILENAME, make_engine, storage_errors

    data_dir = Path(args.data_dir)
    path = data_dir / DB_FILENAME
    if not path.exists():
        args.out.emit({"database": None}, [args.out.t("No database in {path}: nothing to migrate.",
                                                      path=str(args.data_dir))])
        return 0
    engine = make_engine(path)
    try:
        with storage_errors():
            old = migrate.current_revision(engine)
            if args.replacing and old is not None:
                migrate.remember_revision(data_dir, args.replacing, old)
            if args.for_version:
                target = migrate.recorded_revisions(data_dir).get(args.for_version)
                if target is None or not migrate.is_known(target):
                    raise StorageError(
                        "This kiosk has no record of the database schema version {version} used, so "
                        "the database cannot be prepared for it. Restore the backup made before the "
                        "upgrade instead (docs/updates.md).", version=args.for_version)
                migrate.downgrade(engine, target)
            else:
                migrate.upgrade(engine)
            new = migrate.current_revision(engine)
            if args.as_version and new is not None:
                migrate.remember_revision(data_dir, args.as_version, new)
    finally:
        engine.dispose()
    args.out.emit({"database": str(path), "from": old, "to": new},
                  [args.out.t("Database schema {old} -> {new}.", old=old or "-", new=new or "-")])
    return 0
