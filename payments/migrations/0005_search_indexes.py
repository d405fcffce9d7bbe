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

from django.db import migrations, models

from payments.migration_operations import AddIndexConcurrentlyOnPostgreSQL, RunSQLOnPostgreSQL

TRIGRAM_INDEX = "order_number_trigram"


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
