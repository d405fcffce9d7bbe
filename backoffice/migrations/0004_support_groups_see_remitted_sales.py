"""The support groups see the remitted sales too (payments 0006 added the table): the groups' permissions
are set again from the list of 0002, which now finds that table's view permission."""

from importlib import import_module

from django.db import migrations

support_groups = import_module("backoffice.migrations.0002_support_groups")


class Migration(migrations.Migration):
    dependencies = [
        ("backoffice", "0003_memberships_active_temporary_passwords"),
        ("payments", "0006_remittance_sales"),
    ]

    operations = [migrations.RunPython(support_groups.create_groups, migrations.RunPython.noop)]
