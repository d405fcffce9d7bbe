"""The two support groups of the Django admin (issue 7), with their permissions.

Agents read everything and manage merchant accounts; supervisors may also set country rules and reset
credentials, passwords and two-factor devices. Re-running is harmless: groups are found by name and their
permissions replaced by this list.
"""

from typing import Any

from django.contrib.auth.management import create_permissions
from django.db import migrations

AGENT = "Support agent"
SUPERVISOR = "Support supervisor"
VIEWED_APPS = ["payments", "notifications", "legacy", "theming", "fraud", "backoffice", "auth", "otp_totp"]
AGENT_MANAGES = [
    ("payments", "merchant"),
    ("payments", "contract"),
    ("payments", "terminal"),
    ("payments", "apiaccount"),
    ("auth", "user"),
    ("backoffice", "membership"),
    ("backoffice", "extractionsettings"),
]
SUPERVISOR_EXTRA = [
    ("fraud", "add_countryrule"),
    ("fraud", "change_countryrule"),
    ("fraud", "delete_countryrule"),
    ("backoffice", "reset_credentials"),
]


def _ensure_permissions(apps: Any) -> None:
    # Permissions are normally created after all migrations (post_migrate): on a new database they
    # would not exist yet, so create them now for every app.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None


def create_groups(apps: Any, schema_editor: Any) -> None:
    _ensure_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    viewing = list(
        Permission.objects.filter(content_type__app_label__in=VIEWED_APPS, codename__startswith="view_")
    )
    managing = [
        Permission.objects.get(content_type__app_label=app, codename=f"{verb}_{model}")
        for app, model in AGENT_MANAGES
        for verb in ("add", "change")
    ]
    extra = [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in SUPERVISOR_EXTRA
    ]
    agent, _created = Group.objects.get_or_create(name=AGENT)
    agent.permissions.set(viewing + managing)
    supervisor, _created = Group.objects.get_or_create(name=SUPERVISOR)
    supervisor.permissions.set(viewing + managing + extra)


def remove_groups(apps: Any, schema_editor: Any) -> None:
    apps.get_model("auth", "Group").objects.filter(name__in=[AGENT, SUPERVISOR]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("payments", "0003_remittance"),
        ("notifications", "0001_initial"),
        ("legacy", "0001_initial"),
        ("theming", "0001_initial"),
        ("fraud", "0001_initial"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
