"""Indexes of the back-office orders search (issue #4), built without locking out payments.

- `order_merchant_amount` (merchant, amount, id): an amount search and the list sorted by amount read
  a few index entries instead of the merchant's whole period (200 ms -> a few ms on 200k orders).
- `order_number_trigram`, PostgreSQL only: a trigram GIN index on UPPER(order_number), which is what
  Django's `order_number__icontains` compares, so "reference contains" stops scanning the period. It is
  not in the model state (SQLite has no GIN, and a table rebuild there would recreate it): see the
  comment in Order.Meta.

On PostgreSQL both are built CONCURRENTLY (hence a non-atomic migration): the orders table keeps
taking INSERTs and UPDATEs while they build.
"""

from typing import Any

from django.db import migrations, models

TRIGRAM_INDEX = "order_number_trigram"


class AddIndexConcurrentlyOnPostgreSQL(migrations.AddIndex):
    """AddIndex, CONCURRENTLY on PostgreSQL; the plain operation elsewhere."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, self.model_name)
        schema_editor.add_index(model, self.index, concurrently=True)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        model = from_state.apps.get_model(app_label, self.model_name)
        schema_editor.remove_index(model, self.index, concurrently=True)


class RunSQLOnPostgreSQL(migrations.RunSQL):
    """RunSQL that does nothing on other databases."""

    def database_forwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any) -> None:
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("payments", "0004_remittance_refund_awaiting"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="order",
            index=models.Index(fields=["merchant", "amount", "id"], name="order_merchant_amount"),
        ),
        # pg_trgm; left in place when going back (another index or database user may rely on it).
        RunSQLOnPostgreSQL(sql="CREATE EXTENSION IF NOT EXISTS pg_trgm", reverse_sql=migrations.RunSQL.noop),
        RunSQLOnPostgreSQL(
            sql=f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {TRIGRAM_INDEX} "
            "ON payments_order USING gin (UPPER(order_number) gin_trgm_ops)",
            reverse_sql=f"DROP INDEX CONCURRENTLY IF EXISTS {TRIGRAM_INDEX}",
        ),
    ]
