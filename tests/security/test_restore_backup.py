"""A bad backup never touches the live data; a good one goes in whole, with the data
from before kept next to the database. The CLI and staff mode share one restore.

Every file here is real: crafted with sqlite3, or a real backup changed after
it was written. A full disk is a real one for the process: a file-size limit
(RLIMIT_FSIZE) in a subprocess, so SQLite's own writes fail as they would.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.errors import BadInput
from kiosk.services import open_kiosk
from kiosk.services.desk import Desk
from kiosk.services.staff import Staff
from kiosk.store.events import GENESIS, event_hash

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def live(nanum, tmp_path):
    """A kiosk with a loan, a good backup of it, and then one more loan."""
    assert nanum("init", "--site", "GN01", "--kiosk-id", "GN01-k1")[0] == 0
    nanum("item", "add", "T-1", "사다리")
    nanum("item", "add", "T-2", "텐트")
    code, out, _ = nanum("--json", "member", "add", "김하늘")
    card = json.loads(out)["card"]
    assert nanum("checkout", card, "T-1")[0] == 0
    nanum.good = tmp_path / "good.sqlite3"
    assert nanum("backup", str(nanum.good))[0] == 0
    assert nanum("checkout", card, "T-2")[0] == 0
    return nanum


def _state(nanum):
    """What the live data says: a digest of every row, and the open loans."""
    con = sqlite3.connect(nanum.db)
    digest = hashlib.sha256("\n".join(con.iterdump()).encode()).hexdigest()
    con.close()
    code, out, _ = nanum("--json", "loans", "--open")
    assert code == 0
    return digest, sorted(loan["item"] for loan in json.loads(out))


def _asides(nanum):
    return sorted(nanum.data.glob("nanum-before-restore-*.sqlite3"))


def _refused(nanum, path, *expect, code=2):
    before = _state(nanum)
    got, _, err = nanum("restore", str(path))
    assert got == code, err
    for text in expect:
        assert text in err
    assert "Traceback" not in err
    assert _state(nanum) == before  # the live data is exactly as it was
    assert _asides(nanum) == []  # and nothing was even set aside
    assert not list(nanum.data.glob(".*.tmp*"))
    # The kiosk still works, and a good restore still goes in.
    assert nanum("verify-log")[0] == 0 and nanum("check")[0] == 0
    assert nanum("restore", str(nanum.good))[0] == 0
    assert _state(nanum)[1] == ["T-00001"]
    assert len(_asides(nanum)) == 1  # the live data from before that one, kept


def _copy(nanum, tmp_path, name, *sql):
    """A copy of the good backup named ``name``, with ``sql`` statements run on it."""
    dest = tmp_path / name
    shutil.copy(nanum.good, dest)
    if sql:
        con = sqlite3.connect(dest)
        for statement in sql:
            con.execute(statement)
        con.commit()
        con.close()
    return dest


def test_a_file_with_our_table_names_but_other_columns_is_refused(live, tmp_path):
    fake = tmp_path / "fake.sqlite3"
    con = sqlite3.connect(fake)
    for table in ("events", "loans", "items", "members", "settings"):
        con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, junk TEXT)")
    con.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    con.execute("INSERT INTO alembic_version VALUES ('0002')")
    con.commit()
    con.close()
    _refused(live, fake, "is not a Nanum Kiosk backup")


def test_the_same_tables_without_a_schema_version_are_refused(live, tmp_path):
    fake = tmp_path / "fake.sqlite3"
    con = sqlite3.connect(fake)
    for table in ("events", "loans", "items", "members"):
        con.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, junk TEXT)")
    con.commit()
    con.close()
    _refused(live, fake, "is not a Nanum Kiosk backup")


def test_a_real_backup_of_an_unknown_schema_version_is_refused(live, tmp_path):
    newer = _copy(live, tmp_path, "newer.sqlite3",
        "UPDATE alembic_version SET version_num = '9999'")
    _refused(live, newer, "schema this version does not know (9999)")


def test_a_real_backup_missing_a_column_is_refused(live, tmp_path):
    cut = _copy(live, tmp_path, "cut.sqlite3",
        "ALTER TABLE loans DROP COLUMN return_note")
    _refused(live, cut, "its table loans does not have the columns")


def test_a_backup_with_a_trigger_of_its_own_is_refused(live, tmp_path):
    # A trigger would run inside the kiosk after the restore, e.g. dropping every new event.
    trap = _copy(live, tmp_path, "trap.sqlite3",
        "CREATE TRIGGER forget AFTER INSERT ON events BEGIN DELETE FROM events WHERE seq = NEW.seq; END")
    _refused(live, trap, "its indexes or triggers are not the ones this version expects (forget)")


def test_a_backup_without_the_one_open_loan_per_item_index_is_refused(live, tmp_path):
    # an index of the same name that is not unique
    weak = _copy(live, tmp_path, "weak.sqlite3",
        "DROP INDEX uq_loans_open_item",
        "CREATE INDEX uq_loans_open_item ON loans (item_id)")
    _refused(live, weak, "(uq_loans_open_item)")


def test_a_backup_with_an_edited_event_is_refused(live, tmp_path):
    edited = _copy(live, tmp_path, "edited.sqlite3",
        "UPDATE events SET payload = replace(payload, 'T-00001', 'T-00002') WHERE type = 'loan.checked_out'")
    _refused(live, edited, "its event log is broken at event")


def test_a_backup_whose_chain_was_recomputed_is_refused_by_its_seal(live, tmp_path):
    edited = _copy(live, tmp_path, "recomputed.sqlite3")
    con = sqlite3.connect(edited)
    con.execute("UPDATE events SET payload = replace(payload, 'T-00001', 'T-00002') "
                "WHERE type = 'loan.checked_out'")
    prev = GENESIS
    for row in con.execute("SELECT seq, event_id, kiosk_id, type, at, hlc, actor, payload FROM events "
                           "ORDER BY seq").fetchall():
        h = event_hash(prev, *row)
        con.execute("UPDATE events SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, row[0]))
        prev = h
    con.commit()
    con.close()
    _refused(live, edited, "sealed with another kiosk's key")


def test_a_truncated_backup_is_refused(live, tmp_path):
    cut = tmp_path / "truncated.sqlite3"
    data = live.good.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    _refused(live, cut, "is not a Nanum Kiosk backup")


def test_a_file_that_is_no_database_is_refused(live, tmp_path):
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 500)
    _refused(live, junk, "is not a Nanum Kiosk backup")


def test_a_good_restore_keeps_the_data_from_before_next_to_the_database(live):
    before = _state(live)
    code, out, err = live("--json", "restore", str(live.good))
    assert code == 0, err
    done = json.loads(out)
    assert _state(live)[1] == ["T-00001"]  # back to the backup
    [aside] = _asides(live)
    assert done["saved_before"] == str(aside) and aside.parent == live.data
    assert oct(aside.stat().st_mode & 0o777) == "0o600"
    assert live("verify-log")[0] == 0 and live("check")[0] == 0
    # The copy set aside is itself a backup: restoring it undoes the restore.
    assert live("restore", str(aside))[0] == 0
    assert _state(live)[1] == before[1]
    assert live("verify-log")[0] == 0


def test_a_damaged_live_database_is_cured_by_a_restore_and_kept_aside(live):
    for extra in ("-wal", "-shm"):
        p = live.db.with_name(live.db.name + extra)
        if p.exists():
            p.unlink()
    damaged = b"this is no longer a database" * 200
    live.db.write_bytes(damaged)
    code, _, err = live("loans")
    assert code == 3 and "damaged" in err
    code, _, err = live("restore", str(live.good))
    assert code == 0, err
    assert _state(live)[1] == ["T-00001"]
    [aside] = _asides(live)
    assert aside.read_bytes() == damaged  # what was there, kept as it was
    assert live("verify-log")[0] == 0 and live("check")[0] == 0


def test_staff_mode_uses_the_same_checked_restore(live, tmp_path):
    newer = _copy(live, tmp_path, "nanum-backup-newer.sqlite3",
        "UPDATE alembic_version SET version_num = '9999'")
    before = _state(live)
    k = open_kiosk(live.data)
    staff = Staff(k)
    boss = staff.create_first_manager("김관리", "2580")
    after_boss = _state(live)
    desk = Desk(k)
    with pytest.raises(BadInput) as exc:
        desk.restore(newer, by=boss, safety_dir=tmp_path / "safety")
    assert "does not know (9999)" in exc.value.render("en")
    assert _state(live) == after_boss and after_boss[1] == before[1]
    assert not (tmp_path / "safety").exists() and _asides(live) == []
    saved = desk.restore(live.good, by=boss, safety_dir=tmp_path / "safety")
    assert saved.is_file() and len(_asides(live)) == 1
    assert [v.item_code for v in k.circulation.loans(open_only=True)] == ["T-00001"]
    assert k.maintenance.verify_log().ok
    k.close()


# -- a full disk, for real ---------------------------------------------------------------
_LIMITED = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    from kiosk.cli import main
    sys.exit(main(sys.argv[2:]))
""")
# SQLite reports a write refused with EFBIG as an I/O error (only ENOSPC is "full"), so under
# a file-size limit the message is the disk one; a real full disk is tested on a tmpfs below.
_DISK = ("The disk is full", "The disk could not be written")


def _env():
    return dict(os.environ, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")


def _nanum_limited(limit, data, *args):
    return subprocess.run([sys.executable, "-c", _LIMITED, str(limit), "--data-dir", str(data),
                           "--lang", "en", *args], capture_output=True, text=True, env=_env(), timeout=120)


def _grow(nanum, items=300):
    k = open_kiosk(nanum.data)
    for n in range(items):
        k.catalogue.add_item(f"B-{n + 10}", "큰 책장 " * 20)
    k.close()


def test_a_write_limit_during_a_backup_is_a_storage_error_and_leaves_no_file(live, tmp_path):
    _grow(live)
    size = live.db.stat().st_size
    dest = tmp_path / "usb" / "b.sqlite3"
    dest.parent.mkdir()
    run = _nanum_limited(size // 3 + 123, live.data, "backup", str(dest))
    assert run.returncode == 3, run.stderr
    assert any(m in run.stderr for m in _DISK) and "Traceback" not in run.stderr
    assert list(dest.parent.iterdir()) == []  # neither the backup nor its temporary file
    assert live("backup", str(dest))[0] == 0 and dest.stat().st_size > size // 2


def test_a_write_limit_during_a_restore_is_a_storage_error_and_changes_nothing(live, tmp_path):
    _grow(live)
    big = tmp_path / "big.sqlite3"
    assert live("backup", str(big))[0] == 0
    before = _state(live)
    run = _nanum_limited(big.stat().st_size // 3 + 123, live.data, "restore", str(big))
    assert run.returncode == 3, run.stderr
    assert any(m in run.stderr for m in _DISK) and "not a Nanum Kiosk backup" not in run.stderr
    assert _state(live) == before
    assert _asides(live) == [] and not list(live.data.glob(".*.tmp*"))


# -- a real small disk and a real read-only disk, in a private mount namespace ----------------
def _can_mount() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "--propagation", "private", "sh", "-c",
                            "d=$(mktemp -d) && mount -t tmpfs -o size=64k tmpfs $d"],
                           capture_output=True, timeout=30)
    return probe.returncode == 0


needs_mount = pytest.mark.skipif(not _can_mount(), reason="needs mount rights (a private mount namespace)")

_IN_NAMESPACE = textwrap.dedent("""
    import contextlib, hashlib, io, json, os, shutil, sqlite3, subprocess, sys
    from pathlib import Path
    spec = json.loads(sys.argv[1])
    for cmd in spec["mounts"]:
        subprocess.run(cmd, check=True)
    from kiosk.cli import main

    def digest(db):
        con = sqlite3.connect(f"file:{db}?mode=ro&immutable=1", uri=True)
        try:
            return hashlib.sha256("\\n".join(con.iterdump()).encode()).hexdigest()
        finally:
            con.close()
    db = Path(spec["data"]) / "nanum.sqlite3"
    out = {"before": digest(db), "runs": []}
    for args in spec["runs"]:
        err, stdout = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(stdout):
            code = main(["--data-dir", spec["data"], "--lang", "en", *args])
        out["runs"].append({"args": args, "code": code, "err": err.getvalue(), "out": stdout.getvalue()})
    out["after"] = digest(db)
    out["files"] = {d: sorted(os.listdir(d)) for d in spec["list"]}
    print(json.dumps(out))
""")


def _namespace(mounts, data, runs, listed=()):
    spec = {"mounts": mounts, "data": str(data), "runs": runs, "list": [str(p) for p in listed]}
    run = subprocess.run(["unshare", "-m", "--propagation", "private", sys.executable, "-c",
                          _IN_NAMESPACE, json.dumps(spec)], capture_output=True, text=True, env=_env(),
                         timeout=300)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


@needs_mount
def test_a_full_disk_during_a_restore_says_so_and_changes_nothing(live, tmp_path):
    _grow(live)
    big = tmp_path / "big.sqlite3"
    assert live("backup", str(big))[0] == 0
    small = tmp_path / "small"
    small.mkdir()
    size = live.db.stat().st_size + 64 * 1024 + sum(p.stat().st_size for p in live.data.iterdir() if p.is_file())
    res = _namespace([["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(small)],
                      ["cp", "-a", str(live.data), str(small / "data")]],
                     small / "data", [["restore", str(big)]], [small / "data"])
    [run] = res["runs"]
    assert run["code"] == 3 and "The disk is full" in run["err"], run
    assert res["after"] == res["before"]
    assert [f for f in res["files"][str(small / "data")] if f.startswith((".", "nanum-before"))] == []


@needs_mount
def test_a_full_disk_during_a_backup_says_so_and_leaves_no_file(live, tmp_path):
    _grow(live)
    stick = tmp_path / "stick"
    stick.mkdir()
    res = _namespace([["mount", "-t", "tmpfs", "-o", f"size={live.db.stat().st_size // 2}", "tmpfs",
                       str(stick)]], live.data, [["backup", str(stick / "b.sqlite3")]], [stick])
    [run] = res["runs"]
    assert run["code"] == 3 and "The disk is full" in run["err"], run
    assert res["files"][str(stick)] == []  # no empty or partial backup, no temporary file


def _shut_down_copy(live, tmp_path):
    """The data folder of a kiosk that was shut down cleanly: a WAL database without -wal/-shm."""
    data = tmp_path / "stopped"
    data.mkdir()
    src, dst = sqlite3.connect(live.db), sqlite3.connect(data / "nanum.sqlite3")
    src.backup(dst)
    src.close()
    dst.execute("PRAGMA journal_mode=WAL")
    dst.close()  # the last connection removes -wal and -shm
    shutil.copy(live.data / "kiosk.key", data / "kiosk.key")
    return data


@needs_mount
def test_listings_work_on_a_read_only_disk(live, tmp_path):
    # A kiosk running (its -wal and -shm files are there) and one shut down (they are not,
    # and cannot be made, so the database is opened as immutable).
    stopped = _shut_down_copy(live, tmp_path)
    for state, data_dir in (("running", live.data), ("shut_down", stopped)):
        _listings_on_read_only_disk(live, data_dir, tmp_path, state)


def _listings_on_read_only_disk(live, data_dir, tmp_path, state):
    assert ((data_dir / "nanum.sqlite3-shm").exists()) == (state == "running")
    data = str(data_dir)
    res = _namespace([["mount", "--bind", data, data], ["mount", "-o", "remount,bind,ro", data]], data_dir,
                     [["--json", "loans"], ["--json", "items"], ["members"], ["verify-log"], ["check"],
                      ["report", "--from", "2026-01-01", "--to", "2027-12-31", "--out",
                       str(tmp_path / "r.pdf")],
                      ["item", "add", "T-9", "새 물건"], ["restore", str(live.good)],
                      ["backup", str(tmp_path / f"rescued-{state}.sqlite3")]], [data_dir])
    runs = {" ".join(r["args"]): r for r in res["runs"]}
    for name in ("--json loans", "--json items", "members", "verify-log", "check"):
        assert runs[name]["code"] == 0, runs[name]
    assert {loan["item"] for loan in json.loads(runs["--json loans"]["out"])} == {"T-00001", "T-00002"}
    report = runs["report --from 2026-01-01 --to 2027-12-31 --out " + str(tmp_path / "r.pdf")]
    assert report["code"] == 0, report
    # A change is refused as a storage error that says why, and nothing changes.
    write = runs["item add T-9 새 물건"]
    assert write["code"] == 3 and "read-only" in write["err"] and "Traceback" not in write["err"], write
    # So is a restore; a backup (to a writable disk) rescues the data.
    restore = runs["restore " + str(live.good)]
    assert restore["code"] == 3 and "read-only" in restore["err"], restore
    assert "not a Nanum Kiosk backup" not in restore["err"]
    assert runs["backup " + str(tmp_path / f"rescued-{state}.sqlite3")]["code"] == 0
    assert res["after"] == res["before"]
    if state == "shut_down":
        assert not [f for f in res["files"][data] if f.endswith(("-wal", "-shm"))]


def test_a_backup_sealed_with_a_lost_key_needs_reseal(live):
    (live.data / "kiosk.key").unlink()  # the old disk died with the key; the backup survived
    before = _state(live)
    code, _, err = live("restore", str(live.good))
    assert code == 2 and "sealed with another kiosk's key" in err
    assert _state(live) == before
    code, _, err = live("restore", "--reseal", str(live.good))
    assert code == 0, err
    assert oct((live.data / "kiosk.key").stat().st_mode & 0o777) == "0o600"
    assert live("verify-log")[0] == 0 and _state(live)[1] == ["T-00001"]


@needs_mount
def test_a_backup_to_a_read_only_stick_says_so(live, tmp_path):
    stick = tmp_path / "stick"
    stick.mkdir()
    res = _namespace([["mount", "--bind", str(stick), str(stick)],
                      ["mount", "-o", "remount,bind,ro", str(stick)]],
                     live.data, [["backup", str(stick / "b.sqlite3")]], [stick])
    [run] = res["runs"]
    assert run["code"] == 3 and f"Cannot write {stick / 'b.sqlite3'}: the disk is read-only." in run["err"], run
    assert res["files"][str(stick)] == []
