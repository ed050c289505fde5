"""The migration that stores rendered Markdown fills it in for the issues and replies there are."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = ("tickets", "0005_issue_open_period_and_merge")
AFTER = ("tickets", "0006_rendered_markdown")


def _migrate(tickets_at):
    """Migrate the tickets app to ``tickets_at`` and every other app to its latest."""
    executor = MigrationExecutor(connection)
    targets = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "tickets"]
    targets.append(tickets_at)
    executor.migrate(targets)
    executor.loader.build_graph()
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_issues_and_replies_get_their_html():
    apps = _migrate(BEFORE)
    try:
        client = apps.get_model("clients", "Client").objects.create(code="OLD", name="Oud")
        user = apps.get_model("accounts", "User").objects.create(username="old", client=client)
        now = timezone.now()
        issue = apps.get_model("tickets", "Issue").objects.create(
            client=client,
            reference="OLD-2026-0001",
            year=2026,
            sequence=1,
            title="Oud",
            description="**vet** <script>x</script>",
            priority="P3",
            requested_priority="P3",
            requester=user,
            created_at=now,
            updated_at=now,
            last_activity_at=now,
            opened_at=now,
        )
        apps.get_model("tickets", "Comment").objects.create(
            issue=issue, author=user, body="[site](https://example.org)", created_at=now
        )

        apps = _migrate(AFTER)

        issue = apps.get_model("tickets", "Issue").objects.get(reference="OLD-2026-0001")
        comment = apps.get_model("tickets", "Comment").objects.get(issue=issue)
        assert issue.description_html == (
            "<p><strong>vet</strong> &lt;script&gt;x&lt;/script&gt;</p>\n"
        )
        assert comment.body_html == (
            '<p><a href="https://example.org" rel="noopener noreferrer nofollow">site</a></p>\n'
        )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("tickets")[0])
