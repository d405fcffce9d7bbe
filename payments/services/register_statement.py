"""order_register in one round trip on PostgreSQL, for an API account verified earlier by this process.

register.do is the API's hottest write. Through the ORM it costs six round trips (account, terminal,
BEGIN, order, operation, COMMIT) and most of its time is Python building those queries. Here one
statement, built once per process from the models and prepared once per connection, checks the
account's row versions, picks the terminal, and inserts the order and its REGISTER operation; a
single statement is atomic on its own. It inserts nothing when the account or merchant changed, or
when no terminal takes the currency: the caller then goes the ordinary way, which gives the precise
answer.
"""

import json
from contextlib import nullcontext
from datetime import date, datetime, time
from functools import cache
from uuid import UUID

from django.db import connection, models, transaction
from django.db.models import Field
from psycopg.types.json import Jsonb

from payments.models import Contract, Operation, Order, Terminal
from payments.prepared import PreparedStatement

from .credentials import RowVersions, StaleCredentials


def _columns(model: type, *, skip: set[str]) -> list[Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip]


@cache
def _statement() -> tuple[PreparedStatement, list[Field], list[Field]]:
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

    def names(fields: list[Field], prefix: str = "") -> str:
        return ", ".join(prefix + connection.ops.quote_name(f.column) for f in fields)

    # Each row's values travel as one JSON document that PostgreSQL turns back into a row of the table's
    # type: a handful of parameters instead of sixty, which psycopg then converts from a cached template.
    order, operation = Order._meta.db_table, Operation._meta.db_table
    sql = (
        f"WITH guard AS ({RowVersions.GUARD}), terminal AS ({terminal}), "  # noqa: S608 (model names)
        f"new_order AS (INSERT INTO {order} ({names(order_fields)}, terminal_id) "
        f"SELECT {names(order_fields, 'r.')}, terminal.id "
        f"FROM jsonb_populate_record(NULL::{order}, %s::jsonb) r, guard, terminal RETURNING id, terminal_id) "
        f"INSERT INTO {operation} (order_id, {names(operation_fields)}) "
        f"SELECT new_order.id, {names(operation_fields, 'r.')} "
        f"FROM jsonb_populate_record(NULL::{operation}, %s::jsonb) r, new_order "
        f"RETURNING order_id, (SELECT terminal_id FROM new_order)"
    )
    return PreparedStatement("ctp_register", sql), order_fields, operation_fields


# Fields whose Python value already is what the column takes (once in JSON): read as is, which costs a
# tenth of Django's per-field preparation. Any other field goes through that preparation.
_AS_IS = (models.CharField, models.TextField, models.IntegerField, models.BooleanField, models.UUIDField,
          models.DateTimeField, models.JSONField, models.ForeignKey)  # fmt: skip


def _row(instance: object, fields: list[Field]) -> str:
    # What Django's INSERT compiler would send (pre_save: defaults, auto_now; then the database form).
    values = {}
    for field in fields:
        if not isinstance(field, _AS_IS):
            values[field.column] = field.get_db_prep_save(field.pre_save(instance, True), connection)
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values[field.column] = field.pre_save(instance, True)
        else:
            values[field.column] = getattr(instance, field.attname)
    return json.dumps(values, default=_plain)


def _plain(value: object) -> object:
    if isinstance(value, Jsonb):  # a JSONField's value (its encoder is the default one)
        return value.obj
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form here")


def insert_registered(order: Order, operation: Operation, versions: RowVersions) -> None:
    """Insert `order` (terminal chosen here) and `operation` (its REGISTER row), or raise StaleCredentials.

    Raises IntegrityError when the order number is taken, like Model.save().
    """
    statement, order_fields, operation_fields = _statement()
    params = [
        *versions.params,
        order.merchant_id,
        order.currency_id,
        _row(order, order_fields),
        _row(operation, operation_fields),
    ]
    # Alone, the statement is its own transaction. Inside a caller's, a savepoint keeps that one usable
    # after a duplicate order number.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        cursor.execute(statement.ready(cursor), params)
        row = cursor.fetchone()
    if row is None:
        raise StaleCredentials
    order.pk, order.terminal_id = row
    order._state.adding, order._state.db = False, connection.alias
