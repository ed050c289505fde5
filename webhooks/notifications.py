"""The email that tells a client's admins that one of their webhook endpoints was switched off."""

from django.conf import settings
from django.urls import reverse

from accounts.models import User
from mail.models import OutboxKind
from mail.outbox import MailTemplates, Recipient, outbox_compose, outbox_queue
from webhooks.models import WebhookEndpoint


def webhook_endpoint_disabled_notify(*, endpoint_id: int) -> int:
    """Queue mail to each active admin of the endpoint's client, in their language; return
    how many. Once per switch-off, however often the task runs."""
    endpoint = WebhookEndpoint.objects.select_related("client").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_active:
        return 0
    admins = User.objects.filter(
        client_id=endpoint.client_id, is_client_admin=True, is_active=True
    ).exclude(email="")
    switched_off = endpoint.disabled_at.isoformat() if endpoint.disabled_at else ""
    messages = outbox_compose(
        kind=OutboxKind.WEBHOOK_DISABLED,
        key=f"{endpoint.pk}:{switched_off}",
        templates=MailTemplates(
            subject="webhooks/email/endpoint_disabled_subject.txt",
            text="webhooks/email/endpoint_disabled.txt",
        ),
        context={
            "endpoint": endpoint,
            "failures": endpoint.consecutive_failures,
            "url": f"{settings.SITE_URL}{reverse('portal:home')}",
        },
        recipients=[Recipient.of_user(admin) for admin in admins],
    )
    outbox_queue(messages=messages)
    return len(messages)
