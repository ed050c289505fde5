"""factory_boy factories for the whole test suite."""

from datetime import date

import factory
from django.utils import timezone

from accounts.models import User
from clients.models import Client, Team
from oncall.models import Escalation, EscalationPolicy, EscalationState, Rota, RotaLayer
from sla.models import Agreement, PriorityTarget, SupportCalendar, Tier
from tickets.choices import Category, Priority, Status
from tickets.markdown import render_markdown
from tickets.models import Comment, Issue

OFFICE_HOURS = {str(d): [["09:00", "17:00"]] for d in range(5)}


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: "C" + "".join(chr(65 + int(c)) for c in f"{n:03d}"))
    name = factory.LazyAttribute(lambda o: f"Gemeente {o.code.title()}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery")
    preferred_language = "en"


class ContactFactory(UserFactory):
    client = factory.SubFactory(ClientFactory)


class StaffFactory(UserFactory):
    is_staff = True
    client = None


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team
        django_get_or_create = ("client",)
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    name = factory.LazyAttribute(lambda o: f"Team {o.client.name}")
    lead = factory.SubFactory(StaffFactory)

    @factory.post_generation
    def members(self, create, extracted, **kwargs):
        if create and extracted:
            self.members.add(*extracted)


class SupportCalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportCalendar
        django_get_or_create = ("name",)

    name = "Kantooruren ma-vr 09:00-17:00"
    weekly_hours = factory.LazyFunction(lambda: dict(OFFICE_HOURS))


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agreement

    client = factory.SubFactory(ClientFactory)
    name = factory.LazyAttribute(lambda o: f"SLA {o.client.code}")
    tier = Tier.BASIS
    calendar = factory.SubFactory(SupportCalendarFactory)
    valid_from = date(2020, 1, 1)


class PriorityTargetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriorityTarget

    agreement = factory.SubFactory(AgreementFactory)
    priority = Priority.P3
    first_response_minutes = 8 * 60
    resolution_minutes = 5 * 8 * 60


# The demo defaults of DOMAIN.md, in business minutes: (response, resolution).
DEFAULT_TARGETS = {
    Priority.P1: (60, 4 * 60),
    Priority.P2: (4 * 60, 2 * 8 * 60),
    Priority.P3: (8 * 60, 5 * 8 * 60),
    Priority.P4: (2 * 8 * 60, None),
}


def agreement_with_targets(client=None, **kwargs) -> Agreement:
    """Create an agreement for ``client`` offering P1-P4 with the demo's default targets."""
    agreement = AgreementFactory(client=client or ClientFactory(), **kwargs)
    for priority, (response, resolution) in DEFAULT_TARGETS.items():
        PriorityTargetFactory(
            agreement=agreement,
            priority=priority,
            first_response_minutes=response,
            resolution_minutes=resolution,
        )
    return agreement


class IssueFactory(factory.django.DjangoModelFactory):
    """An issue written straight to the database; use ``tickets.services.issue_create``
    when the test is about filing."""

    class Meta:
        model = Issue
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    requester = factory.SubFactory(ContactFactory, client=factory.SelfAttribute("..client"))
    year = 2026
    sequence = factory.Sequence(lambda n: n + 1)
    reference = factory.LazyAttribute(lambda o: f"{o.client.code}-{o.year}-{o.sequence:04d}")
    title = factory.Faker("sentence", nb_words=6, locale="nl_NL")
    description = factory.Faker("paragraph", locale="nl_NL")
    description_html = factory.LazyAttribute(lambda o: render_markdown(o.description))
    category = Category.INCIDENT
    priority = Priority.P3
    requested_priority = factory.SelfAttribute("priority")
    status = Status.NEW
    created_at = factory.LazyFunction(timezone.now)
    updated_at = factory.SelfAttribute("created_at")
    last_activity_at = factory.SelfAttribute("created_at")
    opened_at = factory.SelfAttribute("created_at")


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Comment

    issue = factory.SubFactory(IssueFactory)
    author = factory.SelfAttribute("issue.requester")
    body = factory.Faker("paragraph", locale="nl_NL")
    body_html = factory.LazyAttribute(lambda o: render_markdown(o.body))
    created_at = factory.LazyFunction(timezone.now)


class EscalationFactory(factory.django.DjangoModelFactory):
    """An escalation that has ended, so that no sweep picks it up."""

    class Meta:
        model = Escalation

    issue = factory.SubFactory(IssueFactory)
    state = EscalationState.ACKNOWLEDGED
    snapshot = factory.LazyFunction(lambda: {"steps": []})
    started_at = factory.SelfAttribute("issue.created_at")


class EscalationPolicyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationPolicy
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Beleid {n}")


class RotaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rota
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Rooster {n}")


class RotaLayerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RotaLayer

    rota = factory.SubFactory(RotaFactory)
    name = "Primair"
