"""The staff pages: the schedule of who is on call, the admin of rota, policy and escalations."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from oncall.demo import seed_oncall_demo
from oncall.models import (
    Escalation,
    EscalationPolicy,
    EscalationState,
    EscalationStep,
    OncallSettings,
    Rota,
    RotaLayer,
    RotaMember,
    RotaOverride,
    StepTarget,
)
from oncall.services import escalation_step_run
from tests.factories import StaffFactory
from tests.oncall.conftest import SUNDAY_3AM, ams


@pytest.fixture
def at_night():
    with time_machine.travel(SUNDAY_3AM, tick=False):
        yield


def test_the_schedule_shows_who_is_on_call_now_and_the_next_two_weeks(admin_client, oncall):
    # Sunday 22 March 2026, 03:00: Eva is primary, and summer time starts within two weeks.
    with time_machine.travel(ams(2026, 3, 22, 3, 0), tick=False):
        response = admin_client.get("/oncall/")
    assert response.status_code == 200
    html = response.content.decode()
    now_table = html.split('class="oncall-now"')[1].split("</table>")[0]
    assert re.search(r"Primair</th>\s*<td>Eva Smit</td>", now_table)
    assert re.search(r"Secundair</th>\s*<td>Frank Mulder</td>", now_table)
    assert "The office is closed now" in html
    timeline = html.split('class="oncall-timeline"')[1].split("</table>")[0]
    # 14 days from Sunday 22 March 00:00; the change to summer time takes an hour out.
    assert timeline.count("<col>") == 14 * 24 - 1
    rows = re.findall(r'<th scope="row">(?:Primair|Secundair)</th>(.*?)</tr>', timeline, re.S)
    assert len(rows) == 2
    for row in rows:
        assert sum(int(n) for n in re.findall(r'colspan="(\d+)"', row)) == 14 * 24 - 1


def test_the_schedule_shows_an_override(admin_client, oncall, staff, at_night):
    layer = RotaLayer.objects.get(level=1)
    RotaOverride.objects.create(
        rota=layer.rota,
        layer=layer,
        user=StaffFactory(username="gijs", first_name="Gijs", last_name="Kok"),
        starts_at=SUNDAY_3AM + timedelta(days=2),
        ends_at=SUNDAY_3AM + timedelta(days=3),
    )
    html = admin_client.get("/oncall/").content.decode()
    assert "oncall-bar--override" in html and "Gijs Kok" in html


def test_the_schedule_takes_as_many_queries_for_many_overrides_as_for_one(
    admin_client, oncall, at_night, django_assert_max_num_queries, django_assert_num_queries
):
    layer = RotaLayer.objects.get(level=1)

    def override(day: int) -> None:
        RotaOverride.objects.create(
            rota=layer.rota,
            layer=layer,
            user=StaffFactory(),
            starts_at=SUNDAY_3AM + timedelta(days=day),
            ends_at=SUNDAY_3AM + timedelta(days=day, hours=6),
        )

    override(1)
    admin_client.get("/oncall/")
    with django_assert_max_num_queries(20) as one:
        admin_client.get("/oncall/")
    for day in range(2, 12):
        override(day)
    with django_assert_num_queries(len(one.captured_queries)):
        admin_client.get("/oncall/")


def test_the_schedule_is_for_staff_only(client, contact):
    assert client.get("/oncall/").status_code == 302
    client.force_login(contact)
    assert client.get("/oncall/").status_code == 302


def test_the_schedule_without_a_rota_says_so(admin_client):
    assert "No rota has been set up yet" in admin_client.get("/oncall/").content.decode()


@pytest.mark.parametrize(
    "url",
    [
        "/admin/oncall/rota/",
        "/admin/oncall/rota/{rota}/change/",
        "/admin/oncall/rotalayer/{layer}/change/",
        "/admin/oncall/escalationpolicy/{policy}/change/",
        "/admin/oncall/oncallsettings/1/change/",
        "/admin/oncall/escalation/",
    ],
)
def test_the_admin_pages_open(admin_client, oncall, url):
    ids = {
        "rota": Rota.objects.get().pk,
        "layer": RotaLayer.objects.get(level=1).pk,
        "policy": EscalationPolicy.objects.get().pk,
    }
    assert admin_client.get(url.format(**ids)).status_code == 200


def test_the_rota_list_links_to_the_schedule(admin_client, oncall):
    assert 'href="/oncall/"' in admin_client.get("/admin/oncall/rota/").content.decode()


def test_the_settings_list_opens_the_one_row(admin_client, oncall):
    response = admin_client.get("/admin/oncall/oncallsettings/")
    assert response.status_code == 302
    assert response.url == "/admin/oncall/oncallsettings/1/change/"


def test_settings_can_be_added_once(admin_client, db):
    response = admin_client.get("/admin/oncall/oncallsettings/")
    assert response.url == "/admin/oncall/oncallsettings/add/"
    response = admin_client.post(
        "/admin/oncall/oncallsettings/add/", {"page_attempts": 3, "office_closed": "on"}
    )
    assert response.status_code == 302
    assert OncallSettings.objects.get().office_closed
    assert admin_client.get("/admin/oncall/oncallsettings/add/").status_code == 403


def test_an_escalation_shows_its_snapshot_and_pages(admin_client, file_issue):
    escalation = Escalation.objects.get(issue=file_issue())
    escalation_step_run(escalation_id=escalation.pk, now=SUNDAY_3AM)
    html = admin_client.get(f"/admin/oncall/escalation/{escalation.pk}/change/").content.decode()
    assert "Standaard" in html and "On call: Secundair" in html and "Eva Smit" in html


def test_the_admin_action_acknowledges_and_assigns_the_admin_s_user(client, file_issue, team):
    escalation = Escalation.objects.get(issue=file_issue())
    team.lead.is_superuser = True
    team.lead.save(update_fields=["is_superuser"])
    client.force_login(team.lead)
    response = client.post(
        "/admin/oncall/escalation/",
        {"action": "acknowledge", "_selected_action": [escalation.pk]},
        follow=True,
    )
    assert "1 escalation acknowledged." in response.content.decode()
    escalation.refresh_from_db()
    assert (escalation.state, escalation.acknowledged_by) == (
        EscalationState.ACKNOWLEDGED,
        team.lead,
    )
    response = client.post(
        "/admin/oncall/escalation/",
        {"action": "acknowledge", "_selected_action": [escalation.pk]},
        follow=True,
    )
    assert "acknowledged this escalation already" in response.content.decode()


def test_staff_see_the_escalations_of_their_clients_and_those_that_paged_them(
    client, file_issue, staff
):
    escalation = Escalation.objects.get(issue=file_issue())
    frank = staff["frank"]
    frank.is_superuser = False
    frank.save()
    from django.contrib.auth.models import Permission

    frank.user_permissions.add(Permission.objects.get(codename="view_escalation"))
    client.force_login(frank)
    assert (
        escalation.issue.reference not in client.get("/admin/oncall/escalation/").content.decode()
    )
    escalation_step_run(escalation_id=escalation.pk, now=SUNDAY_3AM)
    escalation_step_run(escalation_id=escalation.pk, now=SUNDAY_3AM + timedelta(minutes=10))
    assert escalation.issue.reference in client.get("/admin/oncall/escalation/").content.decode()


def test_the_demo_can_be_seeded_again_without_change(staff):
    seed_oncall_demo(staff=staff)
    seed_oncall_demo(staff=staff)
    assert Rota.objects.count() == 1
    assert list(
        RotaMember.objects.order_by("layer__level", "position").values_list(
            "layer__level", "user__username"
        )
    ) == [(1, "eva"), (1, "frank"), (2, "frank"), (2, "eva")]
    assert list(
        EscalationStep.objects.order_by("position").values_list("target", "wait_minutes")
    ) == [("layer", 10), ("layer", 10), ("duty_manager", 10)]
    row = OncallSettings.objects.get()
    assert (row.duty_manager, row.policy.repeat, row.office_calendar.name) == (
        staff["chantal"],
        1,
        "Kantoor: ma-vr 08:30-17:30",
    )


def test_a_step_must_name_what_its_target_needs(oncall):
    step = EscalationStep(
        policy=EscalationPolicy.objects.get(), position=9, target=StepTarget.LAYER
    )
    with pytest.raises(ValidationError) as error:
        step.full_clean()
    assert "layer" in error.value.message_dict
    step = EscalationStep(
        policy=step.policy,
        position=9,
        target=StepTarget.TEAM_LEAD,
        layer=RotaLayer.objects.first(),
        user=StaffFactory(),
    )
    with pytest.raises(ValidationError) as error:
        step.full_clean()
    assert {"layer", "user"} <= set(error.value.message_dict)


def test_an_override_must_name_a_layer_of_its_rota_or_a_person(oncall, staff):
    rota = Rota.objects.get()
    other = Rota.objects.create(name="Ander rooster")
    other_layer = RotaLayer.objects.create(rota=other, name="X")
    override = RotaOverride(rota=rota, user=staff["eva"], starts_at=SUNDAY_3AM, ends_at=SUNDAY_3AM)
    with pytest.raises(ValidationError):
        override.full_clean()
    override.ends_at = SUNDAY_3AM + timedelta(hours=1)
    with pytest.raises(ValidationError):
        override.full_clean()
    override.layer = other_layer
    with pytest.raises(ValidationError) as error:
        override.full_clean()
    assert "layer" in error.value.message_dict
    override.layer = None
    override.replaces = staff["frank"]
    override.full_clean()
