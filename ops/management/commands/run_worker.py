"""Run a Celery worker under a supervisor that starts it again when it exits or hangs."""

import signal
import sys

from celery.utils.nodenames import host_format
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from ops import health
from ops.supervisor import Supervisor


class Command(BaseCommand):
    help = (
        "Run `celery worker` with the arguments after `--`, and start it again whenever it "
        "exits or runs no heartbeat for WORKER_STALE_SECONDS while the broker answers."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--name",
            default="worker@%h",
            help="The worker's node name; %%h is this host's name. Default: worker@%%h.",
        )
        parser.add_argument("worker_args", nargs="*", help="Arguments of `celery worker`.")

    def handle(self, *args, name: str, worker_args: list[str], **options):
        name = host_format(name)
        command = [
            sys.executable, "-m", "celery", "-A", "paqt_support", "worker",
            "--hostname", name, *worker_args,
        ]  # fmt: skip

        def heartbeat_age():
            # The supervisor outlives database restarts: never reuse a broken connection.
            close_old_connections()
            return health.heartbeat_age(worker=name, now=timezone.now())

        supervisor = Supervisor(
            command,
            name=name,
            heartbeat_age=heartbeat_age,
            broker_ok=lambda: health.check_broker().ok,
            stale_after=settings.WORKER_STALE_AFTER.total_seconds(),
            out=self.stderr,
        )
        signal.signal(signal.SIGTERM, supervisor.stop)
        signal.signal(signal.SIGINT, supervisor.stop)
        sys.exit(supervisor.run())
