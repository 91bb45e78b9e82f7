"""Fuzzing the platform's push endpoint with 10,000 hostile events (valid hash chains).

Payloads are generated from the protocol's model of each event type
(sync.events.MODELS, through their JSON schemas) and then mutated: wrong
JSON types, boundary lengths, control characters and direction marks,
other sites' codes, unknown codes, huge numbers, impossible dates, and bad
envelopes (clock stamps, ids, times, types, payloads that are not objects).
The chains are valid, so every event reaches the per-event checks and the
handlers. Afterwards: no answer was a 5xx (nor any refusal of a whole
batch), every stored event and record fits the schema, and another
kiosk's pulls and its own records are exactly as before.

Seeded (NANUM_WIRE_FUZZ_SEED, default 14) so a failure can be replayed.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from typing import Any

from sqlalchemy import func, select

from kiosk import limits as L
from kiosk.clock import utcnow
from sync.hub import admin
from sync.hub.models import Event
from sync.protocol import MAX_BATCH

from platformkit import drain, stock
from wirekit import HLC_RE, Forger, chain_verifies, pull_all, schema_violations, site_rows

EVENTS = 10_000
SEED = int(os.environ.get("NANUM_WIRE_FUZZ_SEED", "14"))

HOSTILE_TEXT = ["", " ", "a\x00b", "\x1b[2J\x1b[31mred", "\u202eevil\u202c", "\u2066x\u2069", "line\nbreak",
                "tab\there", '" OR 1=1 --', "'; DROP TABLE items; --", "٣٣", "T-0٣٣٣٣", "ｔ-00001",
                "😀" * 20, "%s%s%n", "../../etc/passwd", "<script>alert(1)</script>", "\u0085", "\x7f"]
HOSTILE_ANY: list[Any] = [None, True, False, 0, -1, 2 ** 31, 2 ** 63, -(2 ** 63) - 1, 10 ** 30, 1.5,
                          1e308, -0.0, [], {}, [1, "a", None], {"a": {"b": [1]}}, "string", "1"]
BAD_DATES = ["2026-02-30", "9999-99-99", "26-01-01", "2026-1-1", "", "yesterday", "2026-01-01T00:00:00Z",
             "+2026-01-01", "0000-00-00"]


class Fuzzer:
    """Builds hostile events for one forging kiosk, from the per-type models."""

    def __init__(self, rnd: random.Random, own: list[str], foreign: list[str], members: list[str],
                 foreign_members: list[str]) -> None:
        from sync import events as schema

        self.rnd = rnd
        self.own, self.foreign = own, foreign
        self.members, self.foreign_members = members, foreign_members
        self.loans: list[str] = [str(uuid.uuid4()) for _ in range(20)]
        self.types = sorted(schema.MODELS)
        self.schemas = {t: m.model_json_schema(by_alias=True) for t, m in schema.MODELS.items()}

    # -- plausible values, by field name and by schema ---------------------------------
    def semantic(self, name: str) -> Any:
        r = self.rnd
        if name in ("item",):
            if r.random() < 0.3:  # new to the city: catalogued by item.added, or a placeholder
                return f"Q-{r.randint(1, 99999):05d}"
            return r.choice(self.own + self.foreign + ["T-99999", "Z-00001"])
        if name in ("member", "held_for", "next"):
            return r.choice(self.members + self.foreign_members + ["M-000999"])
        if name in ("loan",):
            return r.choice(self.loans)
        if name in ("reservation",):
            return r.choice([str(uuid.uuid4()), "res-1"])
        if name in ("site", "home_site"):
            return r.choice(["GN01", "GN01", "GN02", "MP09"])
        if name in ("due", "expires_on", "hold_until"):
            return f"2027-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        if name == "alias":
            return f"880{r.randint(10 ** 8, 10 ** 9)}"
        if name == "staff":
            return r.choice(["김직원", "manager"])
        return ...

    def sample(self, name: str, sch: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> Any:
        r = self.rnd
        if "$ref" in sch:
            return self.obj(defs[sch["$ref"].rsplit("/", 1)[1]], defs, depth + 1)
        if "anyOf" in sch:
            options = [o for o in sch["anyOf"] if o.get("type") != "null"]
            if not options or r.random() < 0.15:
                return None
            return self.sample(name, r.choice(options), defs, depth)
        if "enum" in sch:
            return r.choice(sch["enum"])
        if "const" in sch:
            return sch["const"]
        value = self.semantic(name)
        if value is not ...:
            return value
        kind = sch.get("type")
        if kind == "string":
            limit = min(sch.get("maxLength", 30), 30)
            return "".join(r.choice("가나다라abcXYZ 019-") for _ in range(r.randint(1, max(1, limit))))
        if kind == "integer":
            low = sch.get("minimum", 0)
            return r.randint(low, min(sch.get("maximum", 1000), low + 1000))
        if kind == "number":
            return r.uniform(0, 100)
        if kind == "boolean":
            return r.random() < 0.5
        if kind == "array":
            item = sch.get("items", {})
            return [self.sample(name, item, defs, depth + 1) for _ in range(r.randint(0, 3))]
        if kind == "object":
            props = sch.get("properties")
            if props and depth < 3:
                return self.obj(sch, defs, depth + 1)
            return {}
        return None

    def obj(self, sch: dict[str, Any], defs: dict[str, Any], depth: int = 0) -> dict[str, Any]:
        out = {}
        required = set(sch.get("required", ()))
        for name, prop in sch.get("properties", {}).items():
            if name in required or self.rnd.random() < 0.7:
                out[name] = self.sample(name, prop, defs, depth)
        return out

    # -- mutations ---------------------------------------------------------------------
    def hostile(self, prop: dict[str, Any]) -> Any:
        r = self.rnd
        limit = prop.get("maxLength") or next((o.get("maxLength") for o in prop.get("anyOf", ())
                                               if o.get("maxLength")), None)
        choice = r.random()
        if limit and choice < 0.3:
            return r.choice("가a") * r.choice([limit, limit + 1, limit * 10])
        if choice < 0.55:
            return r.choice(HOSTILE_TEXT)
        if choice < 0.65:
            return r.choice(BAD_DATES)
        if choice < 0.75:
            return r.choice(self.foreign + self.foreign_members + ["GN02", "MP09"])
        return r.choice(HOSTILE_ANY)

    def payload(self, type_: str) -> Any:
        r = self.rnd
        sch = self.schemas[type_]
        defs = sch.get("$defs", {})
        p = self.obj(sch, defs)
        for _ in range(r.choice([0, 1, 1, 1, 2, 3])):
            props = sch.get("properties", {})
            if props and r.random() < 0.85:
                name = r.choice(sorted(props))
                if r.random() < 0.15:
                    p.pop(name, None)  # a required field missing, maybe
                else:
                    p[name] = self.hostile(props[name])
            else:
                p[r.choice(["extra", "x" * 50, "\x00"])] = r.choice(HOSTILE_ANY + HOSTILE_TEXT)
        if r.random() < 0.03:
            return r.choice(["not json", "[1, 2]", "null", '"text"', "{", "[" * 3000 + "]" * 3000,
                             json.dumps({"item": "T-00001", "pad": "x" * (L.PAYLOAD_MAX + 10)})])
        return p

    def envelope(self, now_ms: int) -> dict[str, Any]:
        """Overrides of the envelope for a few events."""
        r = self.rnd
        if r.random() > 0.12:
            return {}
        field = r.choice(["hlc", "hlc", "event_id", "at", "type", "actor"])
        if field == "hlc":
            return {"hlc": r.choice(["zzzz-not-an-hlc", "999999999999999.99999", "000000000000001.00000",
                                     f"{now_ms + 3 * 86_400_000:015d}.00000", "1" * 16 + ".00000",
                                     f"{now_ms:015d}.0000٣", "", f"{now_ms:015d}.00000\n"])}
        if field == "event_id":
            return {"event_id": r.choice(["not-a-uuid", "", "x" * 200, "' OR 1=1 --",
                                          str(uuid.uuid4()).upper() + "\x00"])}
        if field == "at":
            return {"at": r.choice(["yesterday", "2026-13-01T00:00:00.000000Z", "", "x" * 100])}
        if field == "type":
            return {"type": r.choice(["Loan.Checked_Out", "x" * 41, "loan.", "newer.kind_of_event",
                                      "loan.checked_out\x00", "item.added; DROP TABLE items"])}
        return {"actor": r.choice(["a" * (L.ACTOR_MAX + 1), "\x1b[0m", "직원"])}

    def event_for(self, forger: Forger, now_ms: int) -> dict[str, Any]:
        r = self.rnd
        type_ = r.choice(self.types) if r.random() < 0.97 else "newer.kind_of_event"
        payload = self.payload(type_) if type_ in self.schemas else {"anything": [1, 2]}
        return forger.event(type_, payload, **self.envelope(now_ms))


def test_ten_thousand_hostile_events_leave_nothing_bad_and_no_one_else_touched(platform):
    started = time.monotonic()
    gn02, client2, _ = platform.kiosk("GN02", "GN02-a")
    foreign, _cards = stock(gn02, items=4, members=2, prefix="B")
    drain(gn02, client2)
    foreign_members = [m.number for m in gn02.members.list()]
    gn01, client1, _ = platform.kiosk("GN01", "GN01-a")
    own, _ = stock(gn01, items=4, members=2, prefix="A")
    drain(gn01, client1)
    members = [m.number for m in gn01.members.list()]
    before = site_rows(pull_all(client2), "GN02")

    forger = Forger(platform, "GN01", "GN01-x")
    fuzz = Fuzzer(random.Random(SEED), own, foreign, members, foreign_members)
    statuses: dict[int, int] = {}
    quarantined = held = 0
    pushing = time.monotonic()
    for _batch in range(EVENTS // MAX_BATCH):
        now_ms = int(utcnow().timestamp() * 1000)
        events = [fuzz.event_for(forger, now_ms) for _ in range(MAX_BATCH)]
        resp = forger.push(events)
        statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1
        assert resp.status_code == 200, resp.text[:500]
        answer = resp.json()
        assert answer["held"] == held + MAX_BATCH and HLC_RE.match(answer["server_hlc"])
        held = answer["held"]
        quarantined += len(answer["quarantined"])
    pushed_s = time.monotonic() - pushing

    from sync.hub.models import Quarantined

    with platform.session() as s:
        stored = s.execute(select(func.count()).select_from(Event).where(
            Event.kiosk_id == forger.kiosk_id)).scalar_one()
        aside = s.execute(select(func.count()).select_from(Quarantined)).scalar_one()
    assert stored + aside == EVENTS and aside == quarantined
    assert 0.2 * EVENTS < aside < 0.95 * EVENTS  # the mix holds both kinds
    assert chain_verifies(platform.db, forger.kiosk_id) == EVENTS  # quarantined ones included
    assert schema_violations(platform.db) == []
    assert site_rows(pull_all(client2), "GN02") == before  # the other site's records are untouched
    drain(gn02, client2)  # and its kiosk still syncs, taking the city's new items
    drain(gn01, client1)
    stats = admin.stats(platform.db)
    assert stats["events"] >= stored
    print(f"\nwire fuzz: {EVENTS} events, {aside} quarantined, answers {statuses}, "
          f"push {pushed_s:.1f} s, whole test {time.monotonic() - started:.1f} s")
