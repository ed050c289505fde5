"""Template context shared by every page."""

from django.conf import settings


def environment(request) -> dict:
    """Tell templates whether this is a local install, to show the local mailbox link."""
    return {
        "is_local_mode": not settings.IS_PRODUCTION,
        "local_mailbox": settings.EMAIL_BACKEND == "ops.mail.LocalMailboxBackend",
    }
