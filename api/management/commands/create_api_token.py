"""Make a personal API token for a user and print its secret, the only time it is shown."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from api.services import api_token_create
from paqt_support.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Make a personal API token for USERNAME and print its secret on stdout, once."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="script", help="What the token is for.")
        parser.add_argument(
            "--expires-days", type=int, default=None, help="Expire after this many days."
        )

    def handle(self, *args, username: str, name: str, expires_days: int | None, **options):
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        now = timezone.now()
        if expires_days is not None and expires_days <= 0:
            raise CommandError("--expires-days must be at least 1.")
        expires_at = now + timedelta(days=expires_days) if expires_days else None
        try:
            token, secret = api_token_create(user=user, name=name, expires_at=expires_at, now=now)
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(secret)
        self.stderr.write(f"Token {token.prefix} for {user.username}; the secret is not kept.")
