"""Staged updates: a new kiosk version reaches the city's kiosks in rings.

A *rollout* (``nanum hub rollout start VERSION``) names the version, the canary
centres (ring 0), the districts of ring 1, and how long every kiosk of a ring
must run the new version without a problem before the next ring may follow
(``soak_hours``). Ring 2 is every kiosk of the city.

Kiosks learn what to install from ``GET /api/v1/update`` (with their own
credential): the rollout's version when their centre is in a ring that is open,
nothing while the rollout is halted, the previous version when IT rolled it back.
The kiosk's updater (docs/updates.md) installs what it is told with apt; the
package keeps the data both ways (packaging/debian/prerm, postinst).

A ring is *healthy* when every kiosk of it (revoked ones aside) has sent a
heartbeat with the new version, has not been silent, and has had no camera,
printer or sync problem for ``soak_hours`` since it started the new version
(or since its last problem). The platform follows each kiosk from its heartbeats
(:func:`observe`, called for every heartbeat). ``nanum hub rollout advance``
opens the next ring only when the open one is healthy (``--force`` overrides,
and the history says so); ``halt`` stops new installs, ``rollback`` tells the
kiosks that took the version to go back, ``resume`` lifts a halt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import BaseModel, Field
from sqlalchemy import JSON, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kiosk.clock import from_iso, to_iso
from kiosk.errors import BadInput, NotFound, Refused
from kiosk.i18n import N_
from sync.hub import fleet, roles
from sync.hub.db import Database
from sync.hub.models import Base, BigId, Kiosk, Site
from sync.protocol import API_PREFIX, FORBIDDEN, ErrorBody

#: the rings, in the order they open
CANARY, DISTRICTS, ALL = 0, 1, 2
RING_NAMES = {CANARY: "canary", DISTRICTS: "districts", ALL: "all"}
SOAK_HOURS = 24
#: a rollout's states: kiosks install in "rolling", stay put in "halted", go back in "rolled_back"
ROLLING, HALTED, ROLLED_BACK, SUPERSEDED = "rolling", "halted", "rolled_back", "superseded"
VERSION_MAX = 40

NO_ROLLOUT = N_("No update is being rolled out.")
NOT_HEALTHY = N_("Ring {ring} is not ready to advance: {blockers}")
LAST_RING = N_("The rollout of {version} has reached every kiosk already.")
NOT_ROLLING = N_("The rollout of {version} is {status}: resume it before advancing.")
NO_CANARY_KIOSK = N_("The canary centres {sites} have no kiosk: a rollout needs at least one to watch.")


class Rollout(Base):
    """One version's way through the rings (``history``: every step, who and when)."""

    __tablename__ = "rollouts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    version: Mapped[str] = mapped_column(String(VERSION_MAX))
    previous_version: Mapped[str | None] = mapped_column(String(VERSION_MAX), nullable=True)
    canary_sites: Mapped[list[str]] = mapped_column(JSON)
    districts: Mapped[list[str]] = mapped_column(JSON)
    soak_hours: Mapped[int] = mapped_column(Integer)
    ring: Mapped[int] = mapped_column(Integer)  # the newest open ring
    ring_opened_at: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), index=True)
    created_at: Mapped[str] = mapped_column(String(32))
    history: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class RolloutKiosk(Base):
    """What the heartbeats told of one kiosk during a rollout."""

    __tablename__ = "rollout_kiosks"
    rollout_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kiosk_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    on_since: Mapped[str | None] = mapped_column(String(32), nullable=True)  # first beat on the version
    last_problem_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
    last_problem: Mapped[str | None] = mapped_column(String(60), nullable=True)


class UpdateAdvice(BaseModel):
    """What a kiosk should run (``GET /api/v1/update``)."""

    install: str | None = Field(description="the version this kiosk should install now; null: keep what it runs")
    rollout: int | None = Field(description="the rollout this advice comes from")
    version: str | None = Field(description="the version being rolled out")
    status: str | None = Field(description="rolling, halted or rolled_back")
    ring: int | None = Field(description="this kiosk's ring: 0 canary centres, 1 districts, 2 every kiosk")
    open_ring: int | None = Field(description="the newest ring the rollout has reached")


class RingKiosk(BaseModel):
    kiosk_id: str
    site: str
    version: str | None
    healthy: bool
    healthy_from: str | None = Field(description="when it will have run the version long enough without a problem")
    blocker: str | None


class RolloutStatus(BaseModel):
    id: int
    version: str
    previous_version: str | None
    status: str
    ring: int
    ring_opened_at: str
    soak_hours: int
    canary_sites: list[str]
    districts: list[str]
    can_advance: bool
    kiosks: list[RingKiosk] = Field(description="the kiosks of the open ring")
    history: list[dict[str, Any]]


# -- rings ---------------------------------------------------------------------------------
def ring_of(r: Rollout, site: Site | None) -> int:
    """The ring a site's kiosks are in for rollout ``r``."""
    if site is None:
        return ALL
    if site.code in r.canary_sites:
        return CANARY
    if site.district and site.district in r.districts:
        return DISTRICTS
    return ALL


def current(s: Session) -> Rollout | None:
    """The rollout kiosks follow: the newest that was not superseded."""
    return s.execute(select(Rollout).where(Rollout.status != SUPERSEDED)
                     .order_by(Rollout.id.desc()).limit(1)).scalars().first()


def _step(r: Rollout, at: dt.datetime, action: str, by: str, **more: Any) -> None:
    r.history = [*r.history, {"at": to_iso(at), "action": action, "by": by, "ring": r.ring, **more}]


def start(db: Database, version: str, *, canary: list[str], districts: list[str], now: dt.datetime,
          by: str, previous: str | None = None, soak_hours: int = SOAK_HOURS) -> int:
    """Start rolling ``version`` out to the canary centres; returns the rollout's id."""
    version = (version or "").strip()
    if not version or len(version) > VERSION_MAX or not all(c.isalnum() or c in ".+~-:" for c in version):
        raise BadInput("Not a package version: {value}.", value=version[:VERSION_MAX])
    if not 1 <= soak_hours <= 24 * 30:
        raise BadInput("The soak time is from 1 to 720 hours.")
    wanted = [roles.normalise_district(d) for d in districts]
    with db.transaction() as s:
        for code in canary:
            if s.get(Site, code) is None:
                raise NotFound("No site {site} on the platform.", site=code)
        if not canary or s.execute(select(Kiosk.kiosk_id).where(
                Kiosk.site.in_(canary), Kiosk.revoked_at.is_(None))).first() is None:
            raise Refused("no_canary", NO_CANARY_KIOSK, sites=", ".join(canary) or "-")
        before = current(s)
        if before is not None:
            before.status = SUPERSEDED
            _step(before, now, "superseded", by, by_version=version)
        r = Rollout(version=version, previous_version=previous or (before.version if before else None),
                    canary_sites=sorted(set(canary)), districts=sorted(set(wanted)), soak_hours=soak_hours,
                    ring=CANARY, ring_opened_at=to_iso(now), status=ROLLING, created_at=to_iso(now),
                    history=[])
        _step(r, now, "started", by)
        s.add(r)
        s.flush()
        return r.id


def observe(s: Session, k: Kiosk, beat: dict[str, Any], at: str) -> None:
    """Follow kiosk ``k`` through the current rollout from its heartbeat ``beat`` (received at ``at``)."""
    r = current(s)
    if r is None:
        return
    row = s.get(RolloutKiosk, (r.id, k.kiosk_id))
    if row is None:
        if beat.get("version") != r.version:
            return  # not on the new version yet: nothing to follow
        row = RolloutKiosk(rollout_id=r.id, kiosk_id=k.kiosk_id)
        s.add(row)
    if beat.get("version") != r.version:
        row.on_since = None  # went back (or never got there): it starts again when it returns
        return
    if row.on_since is None:
        row.on_since = at
    problem = _problem(beat, row.on_since)
    if problem:
        row.last_problem_at, row.last_problem = at, problem[:60]


def _problem(beat: dict[str, Any], since: str) -> str | None:
    """A camera or printer failing, or a sync error told after the kiosk took the version."""
    for device in fleet.DEVICES:
        state = beat.get(device)
        if isinstance(state, str) and state not in fleet.FINE:
            return f"{device}: {state}"
    error_at = beat.get("last_error_at")
    if beat.get("last_error") and isinstance(error_at, str):
        try:
            if from_iso(error_at) >= from_iso(since):
                return "sync error"
        except (TypeError, ValueError):
            return "sync error"
    return None


def ring_kiosks(s: Session, r: Rollout, ring: int, now: dt.datetime) -> list[dict[str, Any]]:
    """The kiosks of rings up to ``ring``, each with whether it is healthy at ``now``."""
    sites = {x.code: x for x in s.execute(select(Site)).scalars()}
    minutes = fleet.silent_minutes()
    soak = dt.timedelta(hours=r.soak_hours)
    out = []
    for k in s.execute(select(Kiosk).where(Kiosk.revoked_at.is_(None)).order_by(Kiosk.kiosk_id)).scalars():
        if ring_of(r, sites.get(k.site)) > ring:
            continue
        beat = k.heartbeat if isinstance(k.heartbeat, dict) else {}
        version = beat.get("version") if isinstance(beat.get("version"), str) else None
        row = s.get(RolloutKiosk, (r.id, k.kiosk_id))
        blocker, healthy_from = None, None
        if version != r.version or row is None or row.on_since is None:
            blocker = f"runs {version or 'nothing yet'}"
        else:
            clean = max(from_iso(row.on_since), from_iso(row.last_problem_at) if row.last_problem_at else
                        from_iso(row.on_since))
            healthy_from = to_iso(clean + soak)
            now_wrong = fleet.problems_of(k, now, minutes)
            if now_wrong:
                blocker = ", ".join(f"{kind}: {state}" if kind != state else kind
                                    for kind, state in now_wrong.items())
            elif now < clean + soak:
                blocker = (f"{row.last_problem} at {row.last_problem_at}" if row.last_problem_at
                           else "running it for less than the soak time")
        out.append({"kiosk_id": k.kiosk_id, "site": k.site, "version": version,
                    "healthy": blocker is None, "healthy_from": healthy_from, "blocker": blocker})
    return out


def status(db: Database, now: dt.datetime) -> dict[str, Any]:
    with db.transaction() as s:
        r = current(s)
        if r is None:
            raise NotFound(NO_ROLLOUT)
        kiosks = ring_kiosks(s, r, r.ring, now)
        return {"id": r.id, "version": r.version, "previous_version": r.previous_version, "status": r.status,
                "ring": r.ring, "ring_opened_at": r.ring_opened_at, "soak_hours": r.soak_hours,
                "canary_sites": list(r.canary_sites), "districts": list(r.districts),
                "can_advance": r.status == ROLLING and r.ring < ALL and all(k["healthy"] for k in kiosks),
                "kiosks": kiosks, "history": list(r.history)}


def advance(db: Database, now: dt.datetime, *, by: str, force: bool = False) -> int:
    """Open the next ring when the open one is healthy (``force``: anyway); the new ring."""
    with db.transaction() as s:
        r = current(s)
        if r is None:
            raise NotFound(NO_ROLLOUT)
        if r.ring >= ALL:
            raise Refused("last_ring", LAST_RING, version=r.version)
        if r.status != ROLLING:
            raise Refused("not_rolling", NOT_ROLLING, version=r.version, status=r.status)
        blockers = [f"{k['kiosk_id']} ({k['blocker']})" for k in ring_kiosks(s, r, r.ring, now)
                    if not k["healthy"]]
        if blockers and not force:
            raise Refused("not_healthy", NOT_HEALTHY, ring=r.ring, blockers="; ".join(blockers[:10]))
        r.ring += 1
        r.ring_opened_at = to_iso(now)
        _step(r, now, "advanced", by, **({"forced_past": blockers[:20]} if blockers else {}))
        return r.ring


def set_status(db: Database, now: dt.datetime, new: str, *, by: str, why: str = "") -> str:
    """Halt (kiosks stay on what they run), roll back (kiosks go back to the previous
    version) or resume (``rolling``) the current rollout."""
    if new not in (ROLLING, HALTED, ROLLED_BACK):
        raise BadInput("Not a rollout state: {value}.", value=new)
    with db.transaction() as s:
        r = current(s)
        if r is None:
            raise NotFound(NO_ROLLOUT)
        if new == ROLLED_BACK and not r.previous_version:
            raise BadInput("The rollout does not know the version before {version}: start it with --previous.",
                           version=r.version)
        r.status = new
        _step(r, now, {ROLLING: "resumed", HALTED: "halted", ROLLED_BACK: "rolled back"}[new], by,
              **({"why": why[:200]} if why else {}))
        return r.status


def advice(s: Session, k: Kiosk) -> dict[str, Any]:
    """What kiosk ``k`` should install now."""
    r = current(s)
    if r is None:
        return {"install": None, "rollout": None, "version": None, "status": None, "ring": None,
                "open_ring": None}
    ring = ring_of(r, s.get(Site, k.site))
    install = None
    if ring <= r.ring:
        install = r.version if r.status == ROLLING else r.previous_version if r.status == ROLLED_BACK else None
    return {"install": install, "rollout": r.id, "version": r.version, "status": r.status, "ring": ring,
            "open_ring": r.ring}


# -- HTTP ----------------------------------------------------------------------------------
def register_rollout(app: FastAPI, db: Database,
                     kiosk_of: Callable[[Session, HTTPAuthorizationCredentials | None], Kiosk],
                     bearer: Any) -> None:
    """``GET /api/v1/update`` (a kiosk's credential) and ``GET /api/v1/rollout`` (a city administrator)."""
    from sync.hub.app import ApiError

    errors: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody}}

    @app.get(API_PREFIX + "/update", tags=["sync"], response_model=UpdateAdvice, responses=errors)
    def update(creds: HTTPAuthorizationCredentials | None = Depends(bearer)) -> dict[str, Any]:
        """The version this kiosk should install now, from the staged rollout (docs/updates.md)."""
        with db.transaction() as s:
            return advice(s, kiosk_of(s, creds))

    @app.get(API_PREFIX + "/rollout", tags=["fleet"], response_model=RolloutStatus,
             responses={**errors, 403: {"model": ErrorBody}, 404: {"model": ErrorBody}})
    def rollout_status(who: roles.Principal = Depends(roles.principal)) -> dict[str, Any]:
        """The current rollout: its rings, the open ring's kiosks and whether it may advance
        (a city administrator's token)."""
        if who.role != "city":
            raise ApiError(403, FORBIDDEN, roles.OUTSIDE, scope=who.scope)
        return status(db, app.state.clock())
