"""The background worker: applies the search outbox and runs queued tasks; stops cleanly on SIGTERM."""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading

from django.conf import settings
from django.db import close_old_connections

from thuvien.search.index import IndexBusy
from thuvien.search.indexer import apply_outbox

logger = logging.getLogger("thuvien.worker")


class Worker:
    def __init__(self, interval: float | None = None, tasks: bool = True) -> None:
        self.interval = settings.SEARCH_POLL_INTERVAL if interval is None else interval
        self.tasks = tasks
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []

    def stop(self, *_args) -> None:
        self.stopping.set()

    def index_loop(self) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                applied = apply_outbox()
                if applied:
                    logger.info("index: applied %d outbox entries", applied)
            except IndexBusy:
                logger.debug("index writer busy; retrying")
            except Exception:
                logger.exception("index: applying the outbox failed; retrying")
            self.stopping.wait(self.interval)

    def task_loop(self) -> None:
        from django_tasks_db.management.commands.db_worker import Worker as TaskWorker

        worker_id = f"{socket.gethostname()}-{os.getpid()}"[:64]
        runner = TaskWorker(
            queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
            max_tasks=None, worker_id=worker_id, excluded_queue_names=[],
        )  # fmt: skip
        while not self.stopping.is_set():
            try:
                runner.running = True
                runner.run()
            except Exception:
                logger.exception("tasks: the task loop failed; retrying")
            self.stopping.wait(max(self.interval, 1.0))

    def daily_loop(self) -> None:
        """Run the daily circulation job once a day (fines, hold expiry, anonymisation, notices)."""
        from thuvien.circulation.daily import run_daily

        while not self.stopping.is_set():
            try:
                close_old_connections()
                run_daily()
            except Exception:
                logger.exception("daily: the circulation run failed; retrying later")
            self.stopping.wait(600)

    def _every(self, seconds: float, job, name: str) -> None:
        while not self.stopping.is_set():
            try:
                close_old_connections()
                done = job()
                if done:
                    logger.info("%s: %d done", name, done)
            except Exception:
                logger.exception("%s: the run failed; retrying later", name)
            self.stopping.wait(seconds)

    def harvest_loop(self) -> None:
        """Harvest the OAI-PMH sources whose schedule is due (each source keeps its own interval)."""
        from thuvien.interop.oaipmh.harvester import run_due_harvests

        self._every(60, run_due_harvests, "harvest")

    def dump_loop(self) -> None:
        """Publish the open-data dumps when the last ones are older than their interval."""
        from thuvien.interop.opendata.dumps import run_due_dumps

        self._every(300, run_due_dumps, "dumps")

    def embargo_loop(self) -> None:
        """Lift embargoes that ended (and hide what a calendar date hides) in the index and surrogate records."""
        from thuvien.digital.actions import sync_due_visibility

        # Request-time checks read today's date already; this brings the search index, OAI-PMH, SRU,
        # Z39.50 and the dumps in line within minutes of midnight.
        self._every(300, sync_due_visibility, "embargo")

    def copies_loop(self) -> None:
        """Remove readers' copies (watermarked PDFs) whose download period ended."""
        from thuvien.digital.copies import purge_expired_copies

        self._every(3600, purge_expired_copies, "copies")

    def indicators_loop(self) -> None:
        """Recompute this year's indicator values once a day (the dashboards read the stored values)."""
        from thuvien.reports.tasks import refresh_if_stale

        self._every(1800, refresh_if_stale, "indicators")

    def start(self) -> None:
        """Start the loops in daemon threads and return."""
        scheduled = [
            self.task_loop,
            self.daily_loop,
            self.harvest_loop,
            self.dump_loop,
            self.embargo_loop,
            self.copies_loop,
            self.indicators_loop,
        ]
        loops = [self.index_loop] + (scheduled if self.tasks else [])
        for loop in loops:
            thread = threading.Thread(target=loop, name=f"thuvien-{loop.__name__}", daemon=True)
            thread.start()
            self.threads.append(thread)

    def run_forever(self) -> None:
        """Run until SIGTERM or SIGINT."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.start()
        # Started by `thuvien serve`: stop when that server goes away, even if it was killed outright.
        parent = int(os.environ.get("THUVIEN_WORKER_PARENT") or 0)
        while not self.stopping.wait(1.0):
            if parent and os.getppid() != parent:
                logger.warning("the server that started this worker has gone; stopping")
                self.stop()
        for thread in self.threads:
            thread.join(timeout=30)
