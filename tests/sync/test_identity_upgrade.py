"""A platform database of the schema before items were keyed by site keeps every row.

Built at revision 0005 with SQL like the platform of then wrote it (items keyed by
code alone), then migrated to head, on PostgreSQL and on SQLite.
"""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from sync.hub.db import Database, alembic_config, make_engine, schema_is_current

ITEMS = [("T-00001", "망치", "GN01"), ("T-00002", "원목 기차 세트", "MP01")]
LOANS = [  # uid, item, site, returned
    ("loan-open", "T-00001", "GN01", None),
    ("loan-closed", "T-00002", "MP01", "2026-03-02T00:00:00.000000Z"),
    ("loan-stray", "T-00099", "MP01", None),  # an item the platform never had
]


def _old_database(url: str) -> None:
    engine = make_engine(url)
    command.upgrade(alembic_config(engine), "0005")
    with engine.begin() as c:
        c.execute(text("INSERT INTO sites (code, name, created_at) VALUES ('GN01', '강남', 'x'), "
                       "('MP01', '마포', 'x')"))
        c.execute(text("INSERT INTO kiosks (kiosk_id, site, credential_hash, created_at, held_seq, "
                       "head_hash) VALUES ('GN01-a', 'GN01', :h, 'x', 2, :z)"), {"h": "a" * 64, "z": "0" * 64})
        for code, name, site in ITEMS:
            c.execute(text("INSERT INTO items (code, name_ko, name_en, category, home_site, parts, "
                           "replacement_value, safe_use_ko, safe_use_en, aliases, retired, status, "
                           "location, origin, updated_hlc) VALUES (:c, :n, '', 'tool', :s, '[]', 0, '', '', "
                           "'[]', false, 'available', :s, 'platform', '')"), {"c": code, "n": name, "s": site})
        for uid, code, site, returned in LOANS:
            c.execute(text("INSERT INTO loans (uid, item_code, member_number, site, checked_out_at, "
                           "renewals, returned_at, transfer) VALUES (:u, :c, 'M-900001', :s, "
                           "'2026-03-01T00:00:00.000000Z', 0, :r, false)"),
                      {"u": uid, "c": code, "s": site, "r": returned})
        c.execute(text("INSERT INTO reservations (uid, item_code, member_number, site, status, source, "
                       "created_at, updated_at, moved_from) VALUES ('res-1', 'T-00002', 'M-900001', "
                       "'MP01', 'requested', 'platform', 'x', 'x', 'T-00001')"))
        c.execute(text("INSERT INTO changes (txid, site, kind, key) VALUES (0, NULL, 'item', 'T-00001'), "
                       "(0, NULL, 'item', 'T-00002'), (0, 'GN01', 'closed_day', '2026-03-01')"))
        c.execute(text("INSERT INTO notices (member_number, reservation_uid, msgid, params, created_at) "
                       "VALUES ('M-900001', 'res-1', 'old notice', '{}', '2026-01-05T00:00:00Z')"))
        for seq in (1, 2):
            c.execute(text("INSERT INTO events (event_id, kiosk_id, seq, type, at, hlc, payload, prev_hash, "
                           "hash, received_at) VALUES (:e, 'GN01-a', :s, 'loan.checked_out', 'x', 'x', "
                           "'{\"item\": \"T-00001\"}', :z, :z, 'x')"),
                      {"e": f"ev-{seq}", "s": seq, "z": "0" * 64})
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def old_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old-platform.sqlite3'}"
        return
    pg = request.getfixturevalue("pg")
    name = pg.create_database()
    yield pg.url(name)
    pg.drop_database(name)


def test_an_old_platform_database_keeps_every_item_loan_reservation_and_event(old_url):
    _old_database(old_url)
    db = Database.open(old_url, migrate=True)
    try:
        assert schema_is_current(db.engine)
        with db.engine.connect() as c:
            items = c.execute(text("SELECT key, code, home_site, name_ko FROM items ORDER BY key")).all()
            loans = c.execute(text("SELECT uid, item_key, returned_at IS NULL FROM loans ORDER BY uid")).all()
            res = c.execute(text("SELECT uid, item_key, moved_from FROM reservations")).all()
            changes = c.execute(text("SELECT kind, key FROM changes ORDER BY id")).all()
            events = c.execute(text("SELECT count(*) FROM events")).scalar()
            notices = c.execute(text("SELECT msgid, queued_at FROM notices")).all()
        assert [tuple(r) for r in items] == [("GN01/T-00001", "T-00001", "GN01", "망치"),
                                             ("MP01/T-00002", "T-00002", "MP01", "원목 기차 세트")]
        assert [tuple(r) for r in loans] == [("loan-closed", "MP01/T-00002", False),
                                             ("loan-open", "GN01/T-00001", True),
                                             ("loan-stray", "MP01/T-00099", True)]
        assert [tuple(r) for r in res] == [("res-1", "MP01/T-00002", "GN01/T-00001")]
        assert [tuple(r) for r in changes] == [("item", "GN01/T-00001"), ("item", "MP01/T-00002"),
                                               ("closed_day", "2026-03-01")]
        assert events == 2
        # a notice from before delivery existed is history: it is never sent months late
        assert [tuple(r) for r in notices] == [("old notice", "2026-01-05T00:00:00Z")]
        # the new key holds: another centre may now number an item T-00001 too
        from sync.hub import admin

        admin.add_item(db, "T-00001", "원목 기차 세트", "MP01")
        with db.engine.connect() as c:
            assert c.execute(text("SELECT count(*) FROM items WHERE code = 'T-00001'")).scalar() == 2
    finally:
        db.close()
