"""The platform's job queue (procrastinate, on the platform's PostgreSQL).

Several worker processes share the work and a job runs in one of them at a
time. ``notices.sweep`` (periodic) queues a delivery job for every new notice
(one at most per notice: a queueing lock); ``notices.deliver`` delivers it
(:func:`sync.hub.notices.deliver`), retried with growing waits; a notice in
quiet hours is queued again for their end. ``notices.revive`` (periodic)
puts back the jobs of a worker that died mid-job (no heartbeat), so another
worker finishes them; a message the dead worker had already handed over goes
again with the same idempotency key. ``indicators.refresh`` (hourly) rebuilds the
city's indicator summaries.

``retention.run`` (daily) applies the retention period and the centres' policies for
inactive members (:mod:`sync.hub.retention`).

``fleet.check`` (every minute) flags silent kiosks and failing devices and queues
``fleet.notify``, one e-mail per incident (:mod:`sync.hub.fleet`).

Run workers with ``nanum hub worker --db postgresql://...`` (as many as wanted).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import os

import procrastinate
from sqlalchemy import select, update

from kiosk.clock import to_iso, utcnow
from sync.hub import notices
from sync.hub.db import Database
from sync.hub.models import Notice

log = logging.getLogger(__name__)

SWEEP_CRON = "* * * * * */20"  # every 20 seconds (the sixth field is seconds)
LOANS_CRON = "7 * * * *"  # hourly: a loan's "due soon" goes out the morning after quiet hours
INDICATORS_CRON = "37 * * * *"  # hourly: the city's indicator summaries
RETENTION_CRON_ENV, RETENTION_CRON = "NANUM_RETENTION_CRON", "23 3 * * *"  # daily, 03:23 UTC (12:23 in Seoul)
HEARTBEAT_S = 10.0  # a worker's heartbeat; one silent for STALLED_S is taken for dead
STALLED_S = 60.0


def conninfo(db_url: str) -> str:
    """The libpq URL of a SQLAlchemy one (``postgresql+psycopg://`` -> ``postgresql://``)."""
    head, sep, rest = db_url.partition("://")
    return head.split("+", 1)[0] + sep + rest


def build(db: Database, channels: dict[str, notices.Channel] | None = None, *,
          sweep_cron: str = SWEEP_CRON, stalled_s: float = STALLED_S) -> procrastinate.App:
    """The job app on ``db`` with the notice tasks (``channels``: from the environment)."""
    url = db.engine.url.render_as_string(hide_password=False)
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(url)))
    sending = notices.channels_from_env() if channels is None else channels

    @app.task(name="notices.deliver", queue="notices", pass_context=False,
              retry=procrastinate.RetryStrategy(max_attempts=notices.MAX_ATTEMPTS - 1, exponential_wait=5))
    async def deliver(notice_id: int) -> str:
        outcome = await asyncio.to_thread(notices.deliver, db, notice_id, sending, utcnow())
        if outcome.later is not None:
            await deliver.configure(schedule_at=outcome.later.astimezone(dt.UTC)).defer_async(
                notice_id=notice_id)
            return "after quiet hours"
        return ",".join(outcome.sent) or outcome.reason or "nothing to send"

    @app.periodic(cron=sweep_cron, periodic_id="sweep")
    @app.task(name="notices.sweep", queue="notices", queueing_lock="notices.sweep")
    async def sweep(timestamp: int) -> int:
        """Queue a delivery for every notice not queued yet."""
        def pending() -> list[int]:
            with db.transaction() as s:
                return list(s.execute(select(Notice.id).where(Notice.queued_at.is_(None))
                                      .order_by(Notice.id).limit(500)).scalars())
        queued = 0
        for notice_id in await asyncio.to_thread(pending):
            try:  # first the job, then the mark: a crash between them only queues it twice
                await deliver.configure(queueing_lock=f"notice-{notice_id}").defer_async(notice_id=notice_id)
            except procrastinate.exceptions.AlreadyEnqueued:
                pass

            def mark(nid: int = notice_id) -> None:
                with db.transaction() as s:
                    s.execute(update(Notice).where(Notice.id == nid).values(queued_at=to_iso(utcnow())))
            await asyncio.to_thread(mark)
            queued += 1
        return queued

    @app.periodic(cron=LOANS_CRON, periodic_id="loans")
    @app.task(name="notices.loans", queue="notices", queueing_lock="notices.loans")
    async def loans(timestamp: int) -> int:
        """Due-soon and overdue notices (the sweep then delivers them)."""
        return await asyncio.to_thread(notices.loan_notices, db, utcnow())

    @app.periodic(cron=sweep_cron, periodic_id="revive")
    @app.task(name="notices.revive", queue="notices", queueing_lock="notices.revive")
    async def revive(timestamp: int) -> int:
        """Jobs of workers that stopped sending heartbeats go back to the queue."""
        stalled = list(await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_s))
        for job in stalled:
            log.warning("job %s of a silent worker is queued again", job.id)
            await app.job_manager.retry_job(job)
        return len(stalled)

    @app.periodic(cron=INDICATORS_CRON, periodic_id="indicators")
    @app.task(name="indicators.refresh", queue="notices", queueing_lock="indicators.refresh")
    async def refresh_indicators(timestamp: int) -> int:
        """Rebuild the indicator summaries from the loans (sync.hub.indicators)."""
        from sync.hub import indicators

        rows = await asyncio.to_thread(indicators.refresh, db, utcnow())
        return rows["loans"]

    @app.periodic(cron=os.environ.get(RETENTION_CRON_ENV, RETENTION_CRON), periodic_id="retention")
    @app.task(name="retention.run", queue="notices", queueing_lock="retention.run")
    async def retention_run(timestamp: int) -> str:
        """Old returned loans and notices lose their member; inactive members follow their
        centre's policy (sync.hub.retention)."""
        from sync.hub import retention

        report = await asyncio.to_thread(retention.run, db, utcnow())
        return (f"{report.loans} loans, {report.notices} notices, {len(report.asked)} asked, "
                f"{len(report.expired)} expired")

    from sync.hub import webhooks

    webhooks.register_tasks(app, db, sweep_cron)  # partners' signed webhooks, queue "webhooks"
    from sync.hub import fleet

    fleet.register_tasks(app, db, sending)  # silent kiosks and failing devices e-mailed, queue "fleet"
    return app


def run_worker(db_url: str, *, wait: bool = True) -> None:
    """One worker process: runs delivery jobs and the periodic sweeps until stopped."""
    db = Database.open(db_url)
    sweep = os.environ.get("NANUM_NOTICE_SWEEP_CRON", SWEEP_CRON)
    heartbeat = float(os.environ.get("NANUM_WORKER_HEARTBEAT_S", HEARTBEAT_S))
    stalled = float(os.environ.get("NANUM_WORKER_STALLED_S", STALLED_S))
    app = build(db, sweep_cron=sweep, stalled_s=stalled)
    app.run_worker(queues=["notices", "webhooks", "fleet"], wait=wait, concurrency=2,
                   update_heartbeat_interval=heartbeat,
                   stalled_worker_timeout=stalled, install_signal_handlers=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync.hub.jobs", description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=os.environ.get("NANUM_HUB_DB"), required=False)
    args = parser.parse_args(argv)
    if not args.db:
        parser.error("name the platform database with --db or NANUM_HUB_DB")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    run_worker(args.db)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
