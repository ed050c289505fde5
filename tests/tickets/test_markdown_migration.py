"""The migration that stores rendered Markdown fills it in for the issues and replies there are."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = ("tickets", "0005_issue_open_period_and_merge")
AFTER = ("tickets", "0006_rendered_markdown")


def _migrate(tickets_at):
    """Migrate the tickets app to ``tickets_at`` and every other app as far as that allows.

    An app whose later migrations need later tickets migrations stays before them.
    """
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    allowed = set(graph.forwards_plan(tickets_at))

    def fits(node) -> bool:
        return all(n[0] != "tickets" or n in allowed for n in graph.forwards_plan(node))

    targets = [tickets_at]
    for leaf in graph.leaf_nodes():
        if leaf[0] == "tickets":
            continue
        node = leaf
        while node is not None and not fits(node):
            earlier = [p.key for p in graph.node_map[node].parents if p.key[0] == node[0]]
            node = earlier[0] if earlier else None
        targets.append(node or (leaf[0], None))
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
