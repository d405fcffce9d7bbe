"""The full indexes the partial ones of 0007 replace, the order index that the unique
(order, idempotency_key) index makes redundant, and the time index no query uses (the remittance reads
refunds by time through its own partial index): one index entry fewer per operation for each.

Only the indexes go. Django's own AlterField would also drop and re-create the foreign keys, holding
the orders and operations tables locked while it checks every operation again; here the fields change
in the model state alone, and on PostgreSQL each index is dropped CONCURRENTLY, so payments go on.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from payments.migration_operations import RunSQLOnPostgreSQL, RunSQLOnSQLite

# Django's names for these indexes (the same on PostgreSQL and SQLite), and their columns.
DROPPED = {
    "payments_operation_order_id_b947a56a": "order_id",
    "payments_operation_user_id_bf339a12": "user_id",
    "payments_operation_remittance_id_b7886c3c": "remittance_id",
    "payments_operation_created_at_55eb51e0": "created_at",
}


def _drop(concurrently: str) -> list[tuple[str, str]]:
    return [
        (
            f"DROP INDEX {concurrently} IF EXISTS {name}",
            f"CREATE INDEX {concurrently} IF NOT EXISTS {name} ON payments_operation ({column})",
        )
        for name, column in DROPPED.items()
    ]


class Migration(migrations.Migration):
    atomic = False  # DROP INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("payments", "0007_operation_partial_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                *(RunSQLOnPostgreSQL(sql=drop, reverse_sql=create) for drop, create in _drop("CONCURRENTLY")),
                *(RunSQLOnSQLite(sql=drop, reverse_sql=create) for drop, create in _drop("")),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="operation",
                    name="order",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="operations",
                        to="payments.order",
                        verbose_name="order",
                    ),
                ),
                migrations.AlterField(
                    model_name="operation",
                    name="remittance",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="refunds",
                        to="payments.remittance",
                        verbose_name="remittance",
                    ),
                ),
                migrations.AlterField(
                    model_name="operation",
                    name="created_at",
                    field=models.DateTimeField(
                        default=django.utils.timezone.now, editable=False, verbose_name="time"
                    ),
                ),
                migrations.AlterField(
                    model_name="operation",
                    name="user",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
            ],
        ),
    ]
