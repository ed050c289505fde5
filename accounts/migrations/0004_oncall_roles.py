"""Give the staff roles their permissions on the on-call rota, policies and escalations."""

from django.db import migrations

EVERYTHING = ("view", "add", "change", "delete")
ROTA = ("oncall.rota", "oncall.rotalayer", "oncall.rotamember", "oncall.rotaoverride")
LOOK = {label: ("view",) for label in (*ROTA, "oncall.escalation", "oncall.page")}

# Everyone on call, and those who work beside them, reads the rota and the escalations
# (that admin lists only those of their own clients' issues and those that paged them);
# administrators run the rota, the policies and the on-call settings.
ROLES = {
    "Team members": LOOK,
    "Team leads": LOOK,
    "DevOps engineers": LOOK,
    "Administrators": {
        **LOOK,
        **{label: EVERYTHING for label in ROTA},
        "oncall.escalationpolicy": EVERYTHING,
        "oncall.escalationstep": EVERYTHING,
        "oncall.oncallsettings": ("view", "change"),
    },
}


def _permission(apps, label: str, action: str):
    # As in 0003: on a fresh database the permissions do not exist yet.
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


def grants_add(apps, schema_editor):
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


def grants_remove(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*Permission.objects.filter(content_type__app_label="oncall"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_staff_roles"),
        ("oncall", "0001_initial"),
    ]

    operations = [migrations.RunPython(grants_add, grants_remove)]
