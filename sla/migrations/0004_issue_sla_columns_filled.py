from django.db import migrations
from django.db.models import Exists, Min, OuterRef, Q, Subquery


def fill(apps, schema_editor):
    """Give every issue the deadline, at-risk time and breach its clocks hold now."""
    Issue = apps.get_model("tickets", "Issue")
    SlaClock = apps.get_model("sla", "SlaClock")
    counting = SlaClock.objects.filter(
        issue=OuterRef("pk"), stopped_at__isnull=True, resumed_at__isnull=False
    ).values("issue")
    Issue.objects.update(
        sla_due_at=Subquery(counting.annotate(at=Min("due_at")).values("at")),
        sla_warn_at=Subquery(counting.annotate(at=Min("warn_at")).values("at")),
        sla_missed=Exists(
            SlaClock.objects.filter(issue=OuterRef("pk")).filter(
                Q(missed_at__isnull=False) | Q(state="breached")
            )
        ),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("sla", "0003_clock_missed_at"),
        ("tickets", "0007_issue_sla_columns"),
    ]

    operations = [
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
