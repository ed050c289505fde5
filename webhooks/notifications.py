"""The email that tells a client's admins that one of their webhook endpoints was switched off."""

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from webhooks.models import WebhookEndpoint


def webhook_endpoint_disabled_notify(*, endpoint_id: int) -> int:
    """Email each active admin of the endpoint's client, in their language; return how many."""
    endpoint = WebhookEndpoint.objects.select_related("client").filter(pk=endpoint_id).first()
    if endpoint is None or endpoint.is_active:
        return 0
    admins = User.objects.filter(
        client_id=endpoint.client_id, is_client_admin=True, is_active=True
    ).exclude(email="")
    context = {
        "endpoint": endpoint,
        "failures": endpoint.consecutive_failures,
        "url": f"{settings.SITE_URL}{reverse('portal:home')}",
    }
    for admin in admins:
        with translation.override(admin.preferred_language):
            subject = " ".join(
                render_to_string("webhooks/email/endpoint_disabled_subject.txt", context).split()
            )
            text = render_to_string(
                "webhooks/email/endpoint_disabled.txt", {**context, "recipient": admin}
            )
        EmailMessage(subject=subject, body=text, to=[admin.email]).send()
    return len(admins)
