"""order_register in one round trip on PostgreSQL, for an API account verified earlier by this process.

register.do is the API's hottest write. Through the ORM it costs six round trips (account, terminal,
BEGIN, order, operation, COMMIT) and most of its time is Python building those queries. Here one
statement, whose SQL text is built once per process from the models, checks the account's row versions,
picks the terminal, and inserts the order and its REGISTER operation; a single statement is atomic on
its own. It inserts nothing when the account or merchant changed, or no terminal takes the currency:
the caller then goes the ordinary way, which gives the precise answer.
"""

from contextlib import nullcontext
from functools import cache

from django.db import connection, transaction
from django.db.models import Field

from payments.models import Contract, Operation, Order, Terminal

from .credentials import RowVersions, StaleCredentials


def _columns(model: type, *, skip: set[str]) -> list[Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip]


@cache
def _statement() -> tuple[str, list[Field], list[Field]]:
    order_fields = _columns(Order, skip={"terminal"})
    operation_fields = _columns(Operation, skip={"order"})
    link = Contract.currencies.through._meta
    terminal = (
        f"SELECT t.id FROM {Terminal._meta.db_table} t "  # noqa: S608 (names from the models)
        f"JOIN {Contract._meta.db_table} c ON c.id = t.contract_id "
        f"JOIN {link.db_table} cc ON cc.{link.get_field('contract').column} = c.id "
        f"WHERE t.is_active AND c.is_active AND c.merchant_id = %s "
        f"AND cc.{link.get_field('currency').column} = %s ORDER BY c.id, t.id LIMIT 1"
    )

    def names(fields: list[Field]) -> str:
        return ", ".join(connection.ops.quote_name(f.column) for f in fields)

    def holes(fields: list[Field]) -> str:
        return ", ".join(["%s"] * len(fields))

    sql = (
        f"WITH guard AS ({RowVersions.GUARD}), terminal AS ({terminal}), "  # noqa: S608 (model names)
        f"new_order AS (INSERT INTO {Order._meta.db_table} ({names(order_fields)}, terminal_id) "
        f"SELECT {holes(order_fields)}, terminal.id FROM guard, terminal RETURNING id, terminal_id) "
        f"INSERT INTO {Operation._meta.db_table} (order_id, {names(operation_fields)}) "
        f"SELECT new_order.id, {holes(operation_fields)} FROM new_order "
        f"RETURNING order_id, (SELECT terminal_id FROM new_order)"
    )
    return sql, order_fields, operation_fields


def _values(instance: object, fields: list[Field]) -> list[object]:
    # What Django's INSERT compiler sends: pre_save (defaults, auto_now) then the database form.
    return [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]


def insert_registered(order: Order, operation: Operation, versions: RowVersions) -> None:
    """Insert `order` (terminal chosen here) and `operation` (its REGISTER row), or raise StaleCredentials.

    Raises IntegrityError when the order number is taken, like Model.save().
    """
    sql, order_fields, operation_fields = _statement()
    params = [
        *versions.params,
        order.merchant_id,
        order.currency_id,
        *_values(order, order_fields),
        *_values(operation, operation_fields),
    ]
    # Alone, the statement is its own transaction. Inside a caller's, a savepoint keeps that one usable
    # after a duplicate order number.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise StaleCredentials
    order.pk, order.terminal_id = row
    order._state.adding, order._state.db = False, connection.alias
