"""Make a monitoring source for a client and print its webhook secret, shown only once."""

from django.core.management.base import BaseCommand, CommandError

from clients.models import Client
from monitoring.models import SourceKind
from monitoring.services import monitoring_source_create
from tickets.choices import Priority


class Command(BaseCommand):
    help = "Make an Alertmanager or Sentry source for client CODE and print its secret once."

    def add_arguments(self, parser):
        parser.add_argument("code", help="The client's code, e.g. VRB.")
        parser.add_argument("--kind", choices=SourceKind.values, required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--priority", choices=Priority.values, default=Priority.P2)
        parser.add_argument(
            "--no-auto-resolve",
            action="store_true",
            help="Leave the issue open when the alert is resolved.",
        )

    def handle(self, *args, code: str, kind: str, name: str, priority: str, **options):
        client = Client.objects.filter(code=code.upper()).first()
        if client is None:
            raise CommandError(f"There is no client {code!r}.")
        source, secret = monitoring_source_create(
            client=client,
            kind=kind,
            name=name or SourceKind(kind).label,
            default_priority=priority,
            auto_resolve=not options["no_auto_resolve"],
        )
        self.stdout.write(secret)
        self.stderr.write(f"Source {source.prefix} for {client.code}; the secret is not kept.")
