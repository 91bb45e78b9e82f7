"""The OpenAPI document is the contract partners build on: Schemathesis reads
docs/openapi.json, generates requests from it (valid and invalid ones) and checks
every answer of the real platform on PostgreSQL against it, with all its checks.

It runs once per kind of caller, each on the operations that caller can reach:
a kiosk (the sync protocol and its centre's reservations), a partner with a
member's consent (the partner API) and a city administrator (statistics, fleet,
partner usage); the public operations run without a credential. The seed and the
number of examples are fixed, so a failure found here is found again.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sync.hub import partners
from sync.hub.guard import GuardSettings

from platformkit import drain, stock

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"
SEED = 20260310
#: examples per operation and generation phase: about 1,900 requests, 1.5 to 2 minutes on a
#: busy two-core machine (the bound the city's CI sets is 10)
MAX_EXAMPLES = 25
#: (who, the operations they are tested on); each operation is tested once, by the caller it is for
CALLERS = [
    ("kiosk", r"^/api/v1/(push|changes|events|heartbeat|update|photos/.*|sites/\{site\}/reservations)$"),
    ("partner", r"^/api/v1/partner/.*$"),
    ("administrator", r"^/api/v1/(stats|fleet|rollout|partners/usage|indicators)$"),
    ("public", r"^/(api/v1/(info|sites|sites/\{site\}/items|reservations.*|members/.*|open-data/.*)|oauth/.*)$"),
]


#: OAuth2's two addresses answer 400 (or 401) to an unknown client, code or redirect address,
#: the answers RFC 6749 prescribes and the document declares; a schema cannot tell a
#: registered client id from another string, so schema-valid requests may get them.
#: The indicators refuse with 422 a period that ends before it starts or is too long and a
#: centre the platform does not have: rules between two parameters, or about the data,
#: that no schema states.
#: Half the time a path names the kiosk's centre and one of its items, so that requests get
#: past "no such centre" and "not your centre" to the logic behind them.
CONFIG = """
[dictionaries.sites]
values = ["GN01"]

[dictionaries.codes]
values = {codes}

[[operations]]
include-path-regex = "^/api/v1/(photos|sites|partner/sites)/"
parameters = {{ "path.site" = {{ dictionary = "sites", probability = 0.5 }}, "path.code" = {{ dictionary = "codes", probability = 0.5 }} }}

[[operations]]
include-path-regex = "^/oauth/"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429"]

[[operations]]
include-path-regex = "^/api/v1/(indicators|open-data/.*)$"
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
"""
#: request rates high enough for the tester to reach the logic behind the rate limit
RATES = GuardSettings(per_credential=1_000_000, per_address=1_000_000)


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def _member_token(web: httpx.Client, reg, number: str, pin: str, redirect: str) -> str:
    """A partner's token for a member who linked their account (authorisation code with PKCE)."""
    verifier, challenge = _pkce()
    back = web.post("/oauth/authorize", data={
        "response_type": "code", "client_id": reg.client_id, "redirect_uri": redirect,
        "scope": "catalogue reservations", "state": "s", "code_challenge": challenge,
        "code_challenge_method": "S256", "member": number, "secret": pin, "decision": "allow"})
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    token = web.post("/oauth/token", data={"grant_type": "authorization_code", "code": code,
                                           "redirect_uri": redirect, "code_verifier": verifier},
                     auth=(reg.client_id, reg.client_secret))
    assert token.status_code == 200, token.text
    return token.json()["access_token"]


def _run(platform, who: str, paths: str, token: str | None, out: Path, codes: list[str]) -> dict:
    report = out / who
    config = out / "schemathesis.toml"
    config.write_text(CONFIG.format(codes=json.dumps(codes)))
    argv = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", str(DOCUMENT),
            "--url", platform.url,
            "--include-path-regex", paths, "--checks", "all", "--seed", str(SEED),
            "--max-examples", str(MAX_EXAMPLES), "--workers", "1", "--no-color",
            "--generation-database", "none", "--report", "ndjson", "--report-dir", str(report)]
    if token:
        argv += ["--header", f"Authorization: Bearer {token}"]
    started = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=600, cwd=out)
    generated = re.search(r"(\d+) generated", done.stdout)
    return {"who": who, "code": done.returncode, "seconds": round(time.monotonic() - started, 1),
            "generated": int(generated[1]) if generated else None,
            "out": done.stdout[-12000:] + done.stderr[-3000:]}


@pytest.mark.slow
@pytest.mark.platform_options(guard=RATES)
def test_every_answer_of_the_platform_is_one_its_openapi_document_declares(platform, tmp_path):
    k, client, _ = platform.kiosk("GN01", "GN01-a")
    codes, _ = stock(k, items=3, members=0)
    member, _card = k.members.add("김나눔")
    k.members.set_pin(member.number, "2468")
    drain(k, client)
    kiosk_token = platform.credential("GN01-b", "GN01")
    redirect = "https://partner.example/cb"
    reg = partners.register(platform.db, "계약시험앱", redirect_uris=[redirect],
                            scopes=["catalogue", "reservations"], quota_per_minute=partners.QUOTA_MAX)
    with httpx.Client(base_url=platform.url) as web:
        partner_token = _member_token(web, reg, member.number, "2468", redirect)
    tokens = {"kiosk": kiosk_token, "partner": partner_token, "administrator": platform.admin_token(),
              "public": None}
    runs = [_run(platform, who, paths, tokens[who], tmp_path, codes) for who, paths in CALLERS]
    summary = json.dumps([{k: v for k, v in r.items() if k != "out"} for r in runs])
    print(summary)
    for r in runs:
        print(f"--- {r['who']} ({r['seconds']:.0f} s)\n{r['out']}")
    assert [r["code"] for r in runs] == [0] * len(runs), summary
