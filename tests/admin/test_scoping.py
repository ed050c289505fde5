"""A staff member works on the issues of their own teams' clients and never sees another's."""

from django.contrib.admin import helpers
from django.urls import reverse

from oncall.models import Escalation, Page
from tests.factories import StaffFactory
from tests.organisations import give_role
from tests.portal.helpers import issue_file, png
from tickets import services
from tickets.choices import Status

QUEUE = reverse("admin:tickets_issue_changelist")


def change_url(issue) -> str:
    return reverse("admin:tickets_issue_change", args=[issue.pk])


def test_queue_lists_only_the_issues_of_my_teams(staff_client, org, other_org):
    mine = issue_file(org, title="Upload van documenten faalt")
    theirs = issue_file(other_org, title="Formulier laadt niet")

    response = staff_client.get(QUEUE)

    assert response.status_code == 200
    assert mine.reference in response.text
    assert theirs.reference not in response.text


def test_search_finds_nothing_of_another_team(staff_client, org, other_org):
    theirs = issue_file(other_org, title="Formulier laadt niet")

    response = staff_client.get(QUEUE, {"q": theirs.reference, "status": "all"})

    assert theirs.title not in response.text
    assert list(response.context["cl"].result_list) == []


def test_search_finds_my_issue_by_title_description_and_requester(staff_client, org):
    issue = issue_file(org, title="Upload van documenten faalt", description="Fout bij PDF")

    for query in (issue.reference, "documenten", "PDF", org.contact.username):
        response = staff_client.get(QUEUE, {"q": query})
        assert [i.pk for i in response.context["cl"].result_list] == [issue.pk], query


def test_another_teams_issue_page_redirects_with_doesnt_exist(staff_client, other_org):
    theirs = issue_file(other_org)

    response = staff_client.get(change_url(theirs), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert "doesn\N{RIGHT SINGLE QUOTATION MARK}t exist" in response.text
    assert theirs.title not in response.text


def test_another_teams_issue_cannot_be_changed_by_posting_to_its_page(staff_client, other_org):
    theirs = issue_file(other_org)

    response = staff_client.post(
        change_url(theirs),
        {"_action": "status", "status-status": Status.CLOSED, "status-version": theirs.version},
    )

    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.status == Status.NEW


def test_another_teams_issue_history_page_is_refused(staff_client, other_org):
    theirs = issue_file(other_org)

    response = staff_client.get(reverse("admin:tickets_issue_history", args=[theirs.pk]))

    assert response.status_code == 302
    assert response.url == reverse("admin:index")


def test_bulk_action_leaves_another_teams_issue_alone(staff_client, staff, org, other_org):
    mine = issue_file(org)
    theirs = issue_file(other_org)

    response = staff_client.post(
        QUEUE,
        {"action": "assign_to_me", helpers.ACTION_CHECKBOX_NAME: [mine.pk, theirs.pk]},
        follow=True,
    )

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.assignee == staff
    assert theirs.assignee is None
    assert "1 chosen issue is no longer in this list" in response.text


def test_filters_offer_only_my_clients_teams_and_colleagues(staff_client, org, other_org):
    issue_file(org)

    response = staff_client.get(QUEUE)

    filters = {
        spec.parameter_name: spec
        for spec in response.context["cl"].filter_specs
        if hasattr(spec, "parameter_name")
    }
    assert [label for _, label in filters["client"].lookup_choices] == ["VRB Gemeente Vrb"]
    assert [label for _, label in filters["team"].lookup_choices] == [org.client.team.name]
    people = [value for value, _ in filters["assignee"].lookup_choices]
    assert str(other_org.staff.pk) not in people


def test_filtering_on_another_client_shows_nothing(staff_client, other_org):
    issue_file(other_org)

    response = staff_client.get(QUEUE, {"client": other_org.client.pk})

    assert list(response.context["cl"].result_list) == []


def test_attachment_of_another_team_is_not_found(staff_client, org, other_org):
    mine = issue_file(org, files=[png()])
    theirs = issue_file(other_org, files=[png()])
    url = "admin:tickets_issue_attachment"

    own = staff_client.get(reverse(url, args=[mine.attachments.get().pk]))
    other = staff_client.get(reverse(url, args=[theirs.attachments.get().pk]))

    assert own.status_code == 200
    assert own["Content-Disposition"].startswith("attachment")
    assert other.status_code == 404


def test_administrator_sees_every_clients_issues(client, administrator, org, other_org):
    mine = issue_file(org)
    theirs = issue_file(other_org)
    client.force_login(administrator)

    response = client.get(QUEUE)

    assert {i.pk for i in response.context["cl"].result_list} == {mine.pk, theirs.pk}
    assert client.get(change_url(theirs)).status_code == 200


def test_client_contact_cannot_reach_the_admin(client, org):
    issue = issue_file(org)
    client.force_login(org.contact)

    for url in (reverse("admin:index"), QUEUE, change_url(issue)):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("admin:login"))


def test_staff_without_a_role_cannot_open_the_queue(client, org):
    client.force_login(StaffFactory(username="nieuw"))

    assert client.get(QUEUE).status_code == 403


def test_staff_taken_off_the_team_loses_the_issues(staff_client, org):
    issue = issue_file(org)
    services.issue_change_status(issue=issue, actor=org.staff, status=Status.TRIAGED)
    org.client.team.members.remove(org.staff)

    assert staff_client.get(change_url(issue)).status_code == 302


def test_engineer_paged_about_another_clients_issue_works_on_it(client, org, other_org):
    engineer = give_role(StaffFactory(username="piket"), "DevOps engineers")
    paged, unpaged = issue_file(other_org), issue_file(other_org)
    escalation = Escalation.objects.create(
        issue=paged, snapshot={}, started_at=paged.created_at, state="acknowledged"
    )
    Page.objects.create(
        escalation=escalation, step_index=0, recipient=engineer, sent_at=paged.created_at
    )
    client.force_login(engineer)

    queue = client.get(QUEUE)

    assert [i.pk for i in queue.context["cl"].result_list] == [paged.pk]
    assert client.get(change_url(paged)).status_code == 200
    assert client.get(change_url(unpaged)).status_code == 302


def test_clocks_tokens_and_monitoring_stay_scoped_even_with_the_right_to_view_them(
    staff_client, staff, other_org
):
    from django.contrib.auth.models import Permission

    from api.services import api_token_create
    from monitoring.models import SourceKind
    from monitoring.services import monitoring_source_create

    theirs = issue_file(other_org, title="Formulier laadt niet")
    api_token_create(user=other_org.contact, name="quokka-token")
    monitoring_source_create(
        client=other_org.client, kind=SourceKind.SENTRY, name="quokka-bron", default_priority="P3"
    )
    staff.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_slaclock", "view_apitoken", "view_monitoringsource"]
        )
    )

    pages = {
        "admin:sla_slaclock_changelist": theirs.reference,
        "admin:api_apitoken_changelist": "quokka-token",
        "admin:monitoring_monitoringsource_changelist": "quokka-bron",
    }
    for name, marker in pages.items():
        response = staff_client.get(reverse(name))
        assert response.status_code == 200, name
        assert marker not in response.text, name
