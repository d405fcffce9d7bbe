"""Operations index only the users and remittances they have (issue #2: register.do's cost per insert).

Most operations have neither: the API's and the buyers' carry no user, and only remitted refunds carry
a remittance. Partial indexes spare every insert those two entries; a look-up by value (`user_id = x`,
as the foreign-key checks on deleting a user do) still uses them. Built CONCURRENTLY on PostgreSQL, so
payments go on meanwhile; the next migration drops the full indexes they replace.
"""

from django.db import migrations, models

from payments.migration_operations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("payments", "0006_remittance_sales"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="operation",
            index=models.Index(condition=models.Q(user__isnull=False), fields=["user"], name="operation_by_user"),
        ),
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="operation",
            index=models.Index(
                condition=models.Q(remittance__isnull=False), fields=["remittance"], name="operation_by_remittance"
            ),
        ),
    ]
