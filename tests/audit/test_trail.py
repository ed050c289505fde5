"""The trail only grows, only administrators read it, it exports as CSV and is purged by age."""

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditAction, AuditChannel, AuditEntry, AuditRole
from audit.services import audit_record

pytestmark = pytest.mark.django_db

TRAIL = reverse("admin:audit_auditentry_changelist")
EXPORT = reverse("admin:audit_auditentry_export")


def entry(**fields) -> AuditEntry:
    values = {
        "occurred_at": timezone.now(),
        "action": AuditAction.VIEW,
        "role": AuditRole.CONTACT,
        "channel": AuditChannel.PORTAL,
        "system": "test",
    }
    values.update(fields)
    return AuditEntry.objects.create(**values)


def test_an_entry_cannot_be_saved_again(db):
    written = entry(user_label="jansen")
    written.user_label = "someone-else"

    with pytest.raises(PermissionError):
        written.save()


def test_entries_cannot_be_deleted_or_updated_through_the_orm(db):
    written = entry()

    with pytest.raises(PermissionError):
        written.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=written.pk).update(user_label="x")
    assert AuditEntry.objects.filter(pk=written.pk, user_label="").exists()


def test_the_database_refuses_an_update_that_goes_around_the_application(db):
    written = entry(user_label="jansen")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET user_label = %s WHERE id = %s", ["x", written.pk]
        )

    assert AuditEntry.objects.get(pk=written.pk).user_label == "jansen"


def test_a_team_member_cannot_open_the_trail(client, org):
    client.force_login(org.staff)

    assert client.get(TRAIL).status_code == 403
    assert client.get(EXPORT).status_code == 403


def test_an_administrator_reads_the_trail_and_can_neither_add_change_nor_delete(
    client, administrator
):
    written = entry(user_label="jansen", object_repr="VRB-2026-0001")
    client.force_login(administrator)

    listing = client.get(TRAIL)
    page = client.get(reverse("admin:audit_auditentry_change", args=[written.pk]))

    assert listing.status_code == 200
    assert "VRB-2026-0001" in listing.text
    assert page.status_code == 200
    assert 'name="_save"' not in page.text
    assert client.get(reverse("admin:audit_auditentry_add")).status_code == 403
    delete = reverse("admin:audit_auditentry_delete", args=[written.pk])
    assert client.post(delete).status_code == 403
    assert AuditEntry.objects.filter(pk=written.pk).exists()


def test_the_trail_filters_by_action_channel_and_user(client, administrator):
    entry(user_label="jansen", action=AuditAction.VIEW, object_repr="ZIEN-1")
    entry(user_label="pietersen", action=AuditAction.EXPORT, object_repr="EXPORT-1")
    client.force_login(administrator)

    by_action = client.get(TRAIL, {"action__exact": AuditAction.EXPORT})
    by_user = client.get(TRAIL, {"q": "jansen"})

    assert "EXPORT-1" in by_action.text and "ZIEN-1" not in by_action.text
    assert "ZIEN-1" in by_user.text and "EXPORT-1" not in by_user.text


def _rows(response) -> list[dict]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def test_the_csv_export_holds_the_filtered_entries_with_every_field(client, administrator):
    entry(user_label="jansen", object_repr="ZIEN-1", ip_address="192.0.2.4")
    entry(user_label="pietersen", object_repr="ANDER-1")
    client.force_login(administrator)

    response = client.get(EXPORT, {"q": "jansen"})

    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    [row] = [r for r in _rows(response) if r["object_repr"]]
    assert (row["user_label"], row["object_repr"], row["ip_address"]) == (
        "jansen",
        "ZIEN-1",
        "192.0.2.4",
    )
    assert {"role", "on_behalf_of", "channel", "user_agent", "client_id", "system"} <= set(row)


def test_the_csv_export_defuses_spreadsheet_formulas(client, administrator):
    entry(user_agent='=HYPERLINK("http://evil.example","klik")', user_label="jansen")
    client.force_login(administrator)

    [row] = [r for r in _rows(client.get(EXPORT, {"q": "jansen"})) if r["user_label"]]

    assert row["user_agent"].startswith("'=")


def test_exporting_the_trail_is_itself_logged(client, administrator):
    client.force_login(administrator)

    b"".join(client.get(EXPORT).streaming_content)

    export = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert (export.user, export.channel) == (administrator, AuditChannel.ADMIN)


def test_the_purge_removes_only_entries_older_than_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    now = timezone.now()
    old = entry(occurred_at=now - timedelta(days=31))
    recent = entry(occurred_at=now - timedelta(days=29))
    out = io.StringIO()

    call_command("purge_audit_log", stdout=out)

    assert not AuditEntry.objects.filter(pk=old.pk).exists()
    assert AuditEntry.objects.filter(pk=recent.pk).exists()
    assert "Deleted 1 audit entries" in out.getvalue()
    purge = AuditEntry.objects.get(action=AuditAction.DELETE)
    assert purge.detail["count"] == 1


def test_a_dry_run_of_the_purge_deletes_nothing(settings):
    settings.AUDIT_RETENTION_DAYS = 30
    old = entry(occurred_at=timezone.now() - timedelta(days=90))
    out = io.StringIO()

    call_command("purge_audit_log", "--dry-run", stdout=out)

    assert AuditEntry.objects.filter(pk=old.pk).exists()
    assert "Would delete 1" in out.getvalue()


def test_the_purge_refuses_a_retention_of_less_than_a_day(db):
    with pytest.raises(CommandError, match="at least one day"):
        call_command("purge_audit_log", "--days", "0")


def test_an_entry_outlives_the_user_it_names(org):
    written = audit_record(action=AuditAction.VIEW, obj=org.client, user=org.contact)
    username = org.contact.username
    org.contact.delete()

    written = AuditEntry.objects.get(pk=written.pk)
    assert (written.user_id is not None, written.user_label) == (True, username)
