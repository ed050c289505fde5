"""Exit 0 when this host's worker ran a heartbeat recently, 1 when not: a liveness probe."""

from celery.utils.nodenames import host_format
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from ops import health


class Command(BaseCommand):
    help = "Say whether the worker ran the heartbeat within WORKER_STALE_SECONDS (exit 0) or not."

    def add_arguments(self, parser):
        parser.add_argument(
            "--name", default="worker@%h", help="The worker's node name. Default: worker@%%h."
        )
        parser.add_argument(
            "--max-age", type=int, default=None, help="Seconds; default WORKER_STALE_SECONDS."
        )

    def handle(self, *args, name: str, max_age: int | None, **options):
        name = host_format(name)
        limit = settings.WORKER_STALE_AFTER.total_seconds() if max_age is None else max_age
        age = health.heartbeat_age(worker=name, now=timezone.now())
        if age is None:
            raise CommandError(f"{name} has not run the heartbeat task yet.")
        if age > limit:
            raise CommandError(
                f"{name} last ran the heartbeat {int(age)} s ago (limit {int(limit)} s)."
            )
        self.stdout.write(f"{name} ran the heartbeat {int(age)} s ago.")
