"""Keep the sanitised HTML of descriptions and replies beside their Markdown, rendered once."""

from django.db import migrations, models

from tickets.markdown import render_markdown

BATCH = 500


def _render(model, source: str, target: str) -> None:
    rows = model.objects.order_by("pk").only("pk", source)
    for start in range(0, rows.count(), BATCH):
        batch = list(rows[start : start + BATCH])
        for row in batch:
            setattr(row, target, render_markdown(getattr(row, source)))
        model.objects.bulk_update(batch, [target])


def render_existing(apps, schema_editor):
    _render(apps.get_model("tickets", "Issue"), "description", "description_html")
    _render(apps.get_model("tickets", "Comment"), "body", "body_html")


class Migration(migrations.Migration):

    dependencies = [
        ("tickets", "0005_issue_open_period_and_merge"),
    ]

    operations = [
        migrations.AddField(
            model_name="comment",
            name="body_html",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The message rendered and sanitised when it was written.",
                verbose_name="message as HTML",
            ),
        ),
        migrations.AddField(
            model_name="issue",
            name="description_html",
            field=models.TextField(
                blank=True,
                editable=False,
                help_text="The description rendered and sanitised when it was written.",
                verbose_name="description as HTML",
            ),
        ),
        # Nothing to undo going back: the column goes with the field.
        migrations.RunPython(render_existing, migrations.RunPython.noop, elidable=True),
    ]
