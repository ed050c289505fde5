"""Admin of calendars, agreements and clocks: the checks a person gets to see."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from sla.models import Agreement, PriorityTarget, SupportCalendar
from tests.factories import (
    AgreementFactory,
    ClientFactory,
    PriorityTargetFactory,
    SupportCalendarFactory,
)
from tests.sla.conftest import MONDAY_10

pytestmark = pytest.mark.django_db

OFFICE = {str(d): [["09:00", "17:00"]] for d in range(5)}


def calendar_errors(**fields) -> dict:
    calendar = SupportCalendar(name="Test", **{"weekly_hours": OFFICE, **fields})
    with pytest.raises(ValidationError) as caught:
        calendar.full_clean()
    return caught.value.message_dict


def test_a_calendar_with_office_hours_is_valid():
    SupportCalendar(name="Kantoor", weekly_hours=OFFICE).full_clean()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"weekly_hours": {}}, "weekly_hours", "open at least once a week"),
        ({"weekly_hours": {"0": []}}, "weekly_hours", "open at least once a week"),
        ({"weekly_hours": {"0": [["09:00", "25:00"]]}}, "weekly_hours", "cannot be used"),
        ({"weekly_hours": {"0": [["17:00", "09:00"]]}}, "weekly_hours", "cannot be used"),
        ({"weekly_hours": {"8": [["09:00", "17:00"]]}}, "weekly_hours", "cannot be used"),
        ({"weekly_hours": [["09:00", "17:00"]]}, "weekly_hours", "cannot be used"),
        ({"timezone": "Europe/Amsterdm"}, "timezone", "Europe/Amsterdam"),
    ],
)
def test_a_calendar_that_never_opens_or_is_malformed_is_refused(fields, field, message):
    errors = calendar_errors(**fields)

    assert message in " ".join(errors[field])


@pytest.mark.parametrize(
    ("response", "resolution", "field"),
    [(0, 60, "first_response_minutes"), (60, 0, "resolution_minutes")],
)
def test_targets_of_zero_minutes_are_refused(response, resolution, field):
    target = PriorityTargetFactory.build(
        agreement=AgreementFactory(),
        first_response_minutes=response,
        resolution_minutes=resolution,
    )

    with pytest.raises(ValidationError) as caught:
        target.full_clean()

    assert field in caught.value.message_dict


def test_a_target_agreed_per_request_is_valid():
    PriorityTargetFactory.build(agreement=AgreementFactory(), resolution_minutes=None).full_clean()


@pytest.mark.parametrize(
    ("existing", "new", "overlaps"),
    [
        ((date(2025, 1, 1), None), (date(2026, 1, 1), None), True),
        ((date(2025, 1, 1), date(2025, 12, 31)), (date(2026, 1, 1), None), False),
        ((date(2025, 1, 1), date(2026, 1, 1)), (date(2026, 1, 1), None), True),
        ((date(2026, 1, 1), None), (date(2025, 1, 1), date(2025, 12, 31)), False),
        ((date(2026, 1, 1), None), (date(2025, 1, 1), date(2026, 6, 30)), True),
        ((date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 1, 1), None), True),
    ],
)
def test_overlapping_agreements_of_one_client_are_refused(existing, new, overlaps):
    client = ClientFactory()
    AgreementFactory(
        client=client, name="SLA 2025", valid_from=existing[0], valid_until=existing[1]
    )
    agreement = AgreementFactory.build(
        client=client,
        calendar=SupportCalendarFactory(),
        valid_from=new[0],
        valid_until=new[1],
    )

    if overlaps:
        with pytest.raises(ValidationError, match=r"overlaps agreement .SLA 2025."):
            agreement.full_clean()
    else:
        agreement.full_clean()


def test_an_agreement_may_be_saved_again_without_overlapping_itself():
    AgreementFactory().full_clean()


def test_agreements_of_other_clients_do_not_overlap():
    AgreementFactory(valid_from=date(2025, 1, 1))

    AgreementFactory.build(
        client=ClientFactory(), calendar=SupportCalendarFactory(), valid_from=date(2025, 1, 1)
    ).full_clean()


def test_an_agreement_cannot_end_before_it_starts():
    agreement = AgreementFactory.build(
        client=ClientFactory(),
        calendar=SupportCalendarFactory(),
        valid_from=date(2026, 1, 1),
        valid_until=date(2025, 1, 1),
    )

    with pytest.raises(ValidationError) as caught:
        agreement.full_clean()

    assert "valid_until" in caught.value.message_dict


def inline(prefix: str, rows: list[dict]) -> dict:
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        data.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return data


def agreement_post(client, calendar, valid_from, targets) -> dict:
    return {
        "client": client.pk,
        "name": "SLA 2026",
        "tier": "basis",
        "calendar": calendar.pk,
        "valid_from": valid_from,
        "valid_until": "",
        **inline("targets", targets),
    }


def test_admin_shows_the_overlap_instead_of_saving(admin_client):
    existing = AgreementFactory(name="SLA 2025", valid_from=date(2025, 1, 1))

    response = admin_client.post(
        reverse("admin:sla_agreement_add"),
        agreement_post(existing.client, existing.calendar, "2026-01-01", []),
    )

    assert response.status_code == 200
    assert "overlaps agreement" in response.content.decode()
    assert Agreement.objects.count() == 1


def test_admin_refuses_a_zero_target_in_the_inline(admin_client):
    client, calendar = ClientFactory(), SupportCalendarFactory()

    response = admin_client.post(
        reverse("admin:sla_agreement_add"),
        agreement_post(
            client,
            calendar,
            "2026-01-01",
            [{"priority": "P1", "first_response_minutes": "0", "resolution_minutes": "60"}],
        ),
    )

    assert response.status_code == 200
    assert "at least one minute" in response.content.decode()
    assert not PriorityTarget.objects.exists()


def test_admin_saves_an_agreement_with_its_targets(admin_client):
    client, calendar = ClientFactory(), SupportCalendarFactory()

    response = admin_client.post(
        reverse("admin:sla_agreement_add"),
        agreement_post(
            client,
            calendar,
            "2026-01-01",
            [{"priority": "P1", "first_response_minutes": "60", "resolution_minutes": "240"}],
        ),
    )

    assert response.status_code == 302
    assert Agreement.objects.get().targets.get().resolution_minutes == 240


def test_admin_refuses_a_calendar_that_never_opens(admin_client):
    response = admin_client.post(
        reverse("admin:sla_supportcalendar_add"),
        {
            "name": "Nooit open",
            "timezone": "Europe/Amsterdam",
            "weekly_hours": '{"0": [], "1": []}',
            "closed_on_public_holidays": "on",
            "liberation_day": "lustrum",
            **inline("closures", []),
        },
    )

    assert response.status_code == 200
    assert "open at least once a week" in response.content.decode()
    assert not SupportCalendar.objects.exists()


def test_clock_admin_is_read_only(admin_client, file_issue):
    issue = file_issue()
    clock = issue.sla_clocks.first()

    assert admin_client.get(reverse("admin:sla_slaclock_changelist")).status_code == 200
    detail = admin_client.get(reverse("admin:sla_slaclock_change", args=[clock.pk]))
    assert detail.status_code == 200
    assert 'name="state"' not in detail.content.decode()
    assert admin_client.get(reverse("admin:sla_slaclock_add")).status_code == 403
    changed = admin_client.post(
        reverse("admin:sla_slaclock_change", args=[clock.pk]), {"state": "met"}
    )
    assert changed.status_code == 403
    assert issue.sla_clocks.get(pk=clock.pk).started_at == MONDAY_10
