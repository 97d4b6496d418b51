"""The job worker: first fails the jobs a dead worker left running (and deletes their uploads), then runs the
queue as django-tasks-db's ``db_worker`` with the same options, marking itself alive (jobs.Worker) meanwhile."""

from __future__ import annotations

import os
import socket
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django_tasks_db.management.commands.db_worker import Command as DbWorker

from bottomline.jobs.services import WorkerHeartbeat, jobs_reclaim, worker_gone


class Command(DbWorker):
    help = "Reclaim the jobs a dead worker left running, then run the job queue (options as db_worker)."

    def handle(self, *args: Any, **options: Any) -> None:
        reclaimed = jobs_reclaim()
        if reclaimed:
            self.stderr.write(f"reclaimed {len(reclaimed)} job(s) left running by a dead worker")
        passed = {k: v for k, v in options.items() if k not in BASE_OPTIONS and v is not None}
        name = f"{socket.gethostname()}:{os.getpid()}"[:200]
        heartbeat = WorkerHeartbeat(name, settings.JOBS_HEARTBEAT_SECONDS)
        heartbeat.start()
        try:
            call_command("db_worker", **passed)
        finally:
            heartbeat.stopped.set()
            heartbeat.join(timeout=5)
            worker_gone(name=name)


BASE_OPTIONS = {"settings", "pythonpath", "traceback", "no_color", "force_color", "skip_checks"}
