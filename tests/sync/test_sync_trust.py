"""Trust: one credential per kiosk, bound to its id and site; revocation; HTTPS with a CA bundle."""

from __future__ import annotations

import subprocess

import httpx
import pytest

from kiosk.services import syncstate
from sync.client import SyncClient, SyncError, SyncRefused
from sync.hub import admin
from sync.round import sync_round

from platformkit import Server, drain, stock


def test_a_kiosk_cannot_push_as_another_kiosk(platform):
    a, client_a, _ = platform.kiosk("GN01", "GN01-a")
    b, client_b, _ = platform.kiosk("MP02", "MP02-b")
    stock(b, items=1, members=0)
    with pytest.raises(SyncRefused) as info:
        client_a.push(b.kiosk_id, syncstate.outbox(b, 10))
    assert "403" in info.value.detail
    forged = [dict(e, kiosk_id=a.kiosk_id) for e in syncstate.outbox(b, 10)]
    with pytest.raises(SyncRefused):
        client_a.push(b.kiosk_id, forged)  # the batch claims b: refused before anything is read
    assert client_b.push(b.kiosk_id, syncstate.outbox(b, 10))["status"] == "ok"


def test_a_kiosk_reads_only_its_own_sites_members(platform):
    a, client_a, _ = platform.kiosk("GN01", "GN01-a")
    platform.site("MP02")
    mine, _ = admin.add_member(platform.db, "GN01", "강남 회원")
    theirs, _ = admin.add_member(platform.db, "MP02", "마포 회원")
    admin.add_item(platform.db, "T-00500", "마포 물품", "MP02")
    page = client_a.pull(None, 500)
    members = {r["key"]: r["body"] for r in page["rows"] if r["kind"] == "member"}
    items = {r["key"] for r in page["rows"] if r["kind"] == "item"}
    assert members[mine]["display_name"] == "강남 회원" and "MP02/T-00500" in items  # the catalogue is city-wide
    # Another centre's member (GN01 does not honour MP02's cards): their card is
    # named, so the kiosk can say why it refuses it, and nothing else that lends.
    guest = members[theirs]
    assert (guest["display_name"], guest["pin_hash"], guest["status"], guest["home_site"]) == \
        (None, None, "not_honoured", "MP02")
    with pytest.raises(SyncRefused) as info:
        client_a._call("GET", "/changes", params={"site": "MP02"})
    assert "403" in info.value.detail
    auth = {"Authorization": client_a._http.headers["Authorization"]}
    assert httpx.get(platform.url + "/api/v1/sites/MP02/reservations", headers=auth).status_code == 403
    assert httpx.get(platform.url + "/api/v1/sites/GN01/reservations", headers=auth).status_code == 200


def test_unknown_and_revoked_credentials_are_refused(platform):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    stock(k, items=1, members=0)
    with SyncClient(platform.url, "nkc1_not-a-real-credential") as stranger, pytest.raises(SyncRefused):
        sync_round(k, stranger)
    drain(k, client)
    admin.revoke_kiosk(platform.db, k.kiosk_id)
    k.catalogue.add_item("T-00010", "새 물품")
    with pytest.raises(SyncRefused) as info:
        sync_round(k, client)
    assert "401" in info.value.detail and not info.value.transient
    assert syncstate.outbox_depth(k) == 1  # kept until a valid credential sends it
    fresh = admin.add_kiosk(platform.db, k.kiosk_id, "GN01", rotate=True)
    with SyncClient(platform.url, fresh) as renewed:
        drain(k, renewed)
    assert syncstate.outbox_depth(k) == 0
    with pytest.raises(SyncRefused):
        client.pull(None)  # the old credential stays dead


def test_https_with_the_ca_bundle_from_the_kiosk_config(platform, tmp_path):
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    tls = Server(platform.app, ssl_certfile=str(cert), ssl_keyfile=str(key))
    try:
        k, _, _ = platform.kiosk("GN01", "GN01-tls")
        cred = admin.add_kiosk(platform.db, k.kiosk_id, "GN01", rotate=True)
        stock(k, items=1, members=0)
        with SyncClient(tls.url, cred) as untrusting, pytest.raises(SyncError) as info:
            sync_round(k, untrusting)
        assert "CERTIFICATE_VERIFY_FAILED" in info.value.detail
        with SyncClient(tls.url, cred, ca_bundle=str(cert)) as trusting:
            drain(k, trusting)
        assert syncstate.outbox_depth(k) == 0
    finally:
        tls.stop()
