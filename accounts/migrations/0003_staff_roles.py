"""Create the staff roles as groups with the model permissions each role needs in the admin."""

from django.db import migrations

TRIAGE = {
    "tickets.issue": ("view", "change"),
    "tickets.comment": ("view", "add"),
    "tickets.attachment": ("view", "add"),
    "tickets.issueevent": ("view",),
    "clients.client": ("view",),
    "clients.team": ("view",),
    "sla.supportcalendar": ("view",),
    "sla.closure": ("view",),
}

EVERYTHING = ("view", "add", "change", "delete")

# Team members see clients, teams and calendars read-only and nothing of agreements or
# users: those admins list every client's rows, which a team must not see. What an
# administrator manages is theirs to change; users are deactivated, never deleted, so
# that their issues and events keep their author.
ROLES = {
    "Team members": TRIAGE,
    "Team leads": TRIAGE,
    "DevOps engineers": TRIAGE,
    "Administrators": {
        **TRIAGE,
        "clients.client": EVERYTHING,
        "clients.team": EVERYTHING,
        "sla.supportcalendar": EVERYTHING,
        "sla.closure": EVERYTHING,
        "sla.agreement": EVERYTHING,
        "sla.prioritytarget": EVERYTHING,
        "sla.slaclock": ("view",),
        "accounts.user": ("view", "add", "change"),
        "auth.group": ("view",),
    },
}


def _permission(apps, label: str, action: str):
    # Permissions are normally made after all migrations ran; on a fresh database they
    # do not exist yet, so make them here with the names Django would give them.
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    app_label, model_name = label.split(".")
    model = apps.get_model(app_label, model_name)
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model_name)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename=f"{action}_{model_name}",
        defaults={"name": f"Can {action} {model._meta.verbose_name_raw}"},
    )
    return permission


def roles_create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *(
                _permission(apps, label, action)
                for label, actions in grants.items()
                for action in actions
            )
        )


def roles_delete(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("clients", "0001_initial"),
        ("sla", "0002_slaclock"),
        ("tickets", "0002_issue_submission_token"),
    ]

    operations = [migrations.RunPython(roles_create, roles_delete)]
