"""Remitted sales in a table of their own (issue #6).

An order's remittance used to be two columns of the order (remitted_at, remittance_id). Marking a
million orders remitted rewrote a million wide rows, each with every index of the orders table (100 s
of the 140 s of a million-order remittance). Now the remittance inserts one narrow row per order into
payments_remittancesale, whose primary key (the order) also makes "remitted at most once" a database
rule. Existing remittances are copied over before the old columns are dropped.

The sale's references and "only a paid order (status 2 or 4) is remitted" are kept by triggers, not by
foreign keys (which check each row by a query of its own: 12 of the 35 s of a million-row remittance):

- a sale whose order does not exist or is not paid, or whose remittance does not exist, is refused; on
  PostgreSQL once per statement, over all its rows (the remittance's rows are locked as a foreign key
  would);
- an order or a remittance a sale refers to cannot be deleted;
- a remitted order cannot leave the paid statuses.

On PostgreSQL only (see SQLITE below): on SQLite the ORM's PROTECT and the services keep them.
"""

import django.db.models.deletion
from typing import Any

from django.db import migrations, models

PAID = "(2, 4)"
UNPAID_OR_MISSING = "-1"  # the status read for an order that does not exist

POSTGRESQL = [
    f"""
    CREATE FUNCTION payments_sales_check() RETURNS trigger LANGUAGE plpgsql
    SET jit = off  -- a loop of key lookups: compiling it would cost more than it saves
    AS $$
    BEGIN
        -- Each sale's order read by primary key (the planner knows nothing of new_sales and would
        -- otherwise hash the whole orders table), under a share lock, as a foreign key would: a
        -- concurrent cancel is waited for and its status seen.
        IF EXISTS (SELECT 1 FROM new_sales s
                   LEFT JOIN LATERAL (SELECT o.status FROM payments_order o WHERE o.id = s.order_id
                                      FOR SHARE) o ON true
                   WHERE COALESCE(o.status, {UNPAID_OR_MISSING}) NOT IN {PAID}) THEN
            RAISE EXCEPTION 'a remitted sale needs an existing, paid order (status 2 or 4)'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM (SELECT DISTINCT remittance_id FROM new_sales) s
                   WHERE s.remittance_id IS NOT NULL AND NOT EXISTS (
                       SELECT 1 FROM payments_remittance r WHERE r.id = s.remittance_id FOR KEY SHARE)) THEN
            RAISE EXCEPTION 'a remitted sale needs an existing remittance'
                USING ERRCODE = 'foreign_key_violation';
        END IF;
        RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER remittance_sales_inserted AFTER INSERT ON payments_remittancesale
    REFERENCING NEW TABLE AS new_sales FOR EACH STATEMENT EXECUTE FUNCTION payments_sales_check()
    """,
    """
    CREATE TRIGGER remittance_sales_updated AFTER UPDATE ON payments_remittancesale
    REFERENCING NEW TABLE AS new_sales FOR EACH STATEMENT EXECUTE FUNCTION payments_sales_check()
    """,
    """
    CREATE FUNCTION payments_remitted_order_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM payments_remittancesale WHERE order_id = OLD.id) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                MESSAGE = 'order ' || OLD.id || ' was remitted to the bank: it stays paid and is kept';
        END IF;
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END $$
    """,
    f"""
    CREATE TRIGGER order_remitted_stays_paid BEFORE UPDATE OF status ON payments_order
    FOR EACH ROW WHEN (NEW.status NOT IN {PAID}) EXECUTE FUNCTION payments_remitted_order_kept()
    """,
    """
    CREATE TRIGGER order_remitted_kept BEFORE DELETE ON payments_order
    FOR EACH ROW EXECUTE FUNCTION payments_remitted_order_kept()
    """,
    """
    CREATE FUNCTION payments_remittance_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (SELECT 1 FROM payments_remittancesale WHERE remittance_id = OLD.id) THEN
            RAISE EXCEPTION USING ERRCODE = 'foreign_key_violation',
                MESSAGE = 'remittance ' || OLD.id || ' holds sales: it is kept';
        END IF;
        RETURN OLD;
    END $$
    """,
    """
    CREATE TRIGGER remittance_kept BEFORE DELETE ON payments_remittance
    FOR EACH ROW EXECUTE FUNCTION payments_remittance_kept()
    """,
]
POSTGRESQL_DROP = [
    "DROP TRIGGER remittance_kept ON payments_remittance",
    "DROP FUNCTION payments_remittance_kept()",
    "DROP TRIGGER order_remitted_kept ON payments_order",
    "DROP TRIGGER order_remitted_stays_paid ON payments_order",
    "DROP FUNCTION payments_remitted_order_kept()",
    "DROP TRIGGER remittance_sales_updated ON payments_remittancesale",
    "DROP TRIGGER remittance_sales_inserted ON payments_remittancesale",
    "DROP FUNCTION payments_sales_check()",
]
# SQLITE: none, on the embedded development default: its triggers name the tables they read, and
# Django rebuilds a table to alter it there, which such a trigger makes fail. The services keep the
# rules; the primary key of the sales keeps "remitted once".


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    for statement in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(statement)


def triggers_create(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL})


def triggers_drop(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_DROP})


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0005_search_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="RemittanceSale",
            fields=[
                (
                    "order",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="sale",
                        db_constraint=False,
                        serialize=False,
                        to="payments.order",
                        verbose_name="order",
                    ),
                ),
                ("amount", models.BigIntegerField(verbose_name="amount")),
                ("remitted_at", models.DateTimeField(verbose_name="remitted to the bank")),
            ],
            options={
                "verbose_name": "remitted sale",
                "verbose_name_plural": "remitted sales",
            },
        ),
        migrations.AddField(
            model_name="remittancesale",
            name="remittance",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="sales",
                to="payments.remittance",
                verbose_name="remittance",
            ),
        ),
        migrations.AddIndex(
            model_name="remittancesale",
            index=models.Index(fields=["remittance", "order"], name="remittance_sale_by_remittance"),
        ),
        migrations.AddConstraint(
            model_name="remittancesale",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gt", 0)), name="remittance_sale_amount_positive"
            ),
        ),
        # Every order remitted so far keeps its remittance: a sale row each, before the columns go.
        migrations.RunSQL(
            sql="""
                INSERT INTO payments_remittancesale (order_id, remittance_id, amount, remitted_at)
                SELECT id, remittance_id, deposited_amount, remitted_at
                FROM payments_order WHERE remitted_at IS NOT NULL
            """,
            reverse_sql="""
                UPDATE payments_order SET
                    remitted_at = s.remitted_at, remittance_id = s.remittance_id
                FROM payments_remittancesale s WHERE s.order_id = payments_order.id
            """,
        ),
        migrations.RemoveConstraint(
            model_name="order",
            name="order_remitted_only_when_paid",
        ),
        migrations.RemoveConstraint(
            model_name="order",
            name="order_remittance_has_date",
        ),
        migrations.RemoveIndex(
            model_name="order",
            name="order_awaiting_remittance",
        ),
        migrations.RemoveField(
            model_name="order",
            name="remittance",
        ),
        migrations.RemoveField(
            model_name="order",
            name="remitted_at",
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(
                condition=models.Q(("status__in", [2, 4])),
                fields=["terminal", "currency", "deposited_at"],
                name="order_paid_by_terminal",
            ),
        ),
        migrations.RunPython(triggers_create, triggers_drop),
    ]
