"""Builders shared by the portal, accounts and browser tests: organisations, files, issues."""

from dataclasses import dataclass

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from clients.models import Client
from sla.models import Agreement
from tests.factories import (
    ClientFactory,
    ContactFactory,
    StaffFactory,
    TeamFactory,
    agreement_with_targets,
)
from tickets import services
from tickets.models import Issue

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%test\n"


@dataclass
class Organisation:
    client: Client
    agreement: Agreement
    contact: User
    admin: User
    staff: User


def organisation(code: str, *, language: str = "en") -> Organisation:
    """Create a client with a team, an agreement offering P1-P4, a contact and a client admin."""
    client = ClientFactory(code=code, name=f"Gemeente {code.title()}")
    staff = StaffFactory(username=f"staff-{code.lower()}", preferred_language=language)
    TeamFactory(client=client, members=[staff])
    agreement = agreement_with_targets(client)
    contact = ContactFactory(
        client=client, username=f"contact-{code.lower()}", preferred_language=language
    )
    admin = ContactFactory(
        client=client,
        username=f"admin-{code.lower()}",
        is_client_admin=True,
        preferred_language=language,
    )
    return Organisation(
        client=client, agreement=agreement, contact=contact, admin=admin, staff=staff
    )


def issue_file(org: Organisation, *, requester: User | None = None, **fields) -> Issue:
    """File an issue through the service, so that its SLA clocks and events exist."""
    values = {
        "title": "Zaaksysteem geeft een foutmelding",
        "description": "Bij het openen van een zaak verschijnt **fout 500**.",
        "priority": "P3",
    }
    values.update(fields)
    return services.issue_create(client=org.client, requester=requester or org.contact, **values)


def log_in(client, user, *, language: str = "en"):
    """Log ``user`` in on the test ``client`` and choose the page language."""
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def png(name: str = "screenshot.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")
