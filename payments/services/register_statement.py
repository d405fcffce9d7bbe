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
from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, datetime, time
from functools import cache
from uuid import UUID

from django.db import connection, models, transaction
from django.db.models import Field
from django.utils import timezone

from payments.models import Contract, Currency, Merchant, Operation, Order, Terminal
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


class _Row:
    """A model's row as Django's INSERT would write it, built without a model instance.

    Field defaults are read once from the model; callable defaults and auto_now fields are filled per
    row. Building Order() and Operation() instances and preparing their fields for the INSERT cost more
    than the rest of register.do's Python together.
    """

    def __init__(self, model: type, fields: list[Field]) -> None:
        self.model = model
        self.names = [(f.attname, f.column) for f in fields]
        self.static: dict[str, object] = {}
        self.fresh: list[tuple[str, Callable[[], object]]] = []
        self.timestamps: list[str] = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.timestamps.append(f.attname)
            elif f.has_default() and callable(f.default):
                self.fresh.append((f.attname, f.default))
            else:
                self.static[f.attname] = f.get_default()

    def values(self, now: datetime, given: dict[str, object]) -> dict[str, object]:
        """Every field's value by attname: `given`, else the field's default (`now` for auto_now)."""
        row = self.static.copy()
        for name, default in self.fresh:
            if name not in given:
                row[name] = default()
        for name in self.timestamps:
            row[name] = now
        row.update(given)
        return row

    def json(self, row: dict[str, object]) -> str:
        # Values are those of the request and of the model's defaults: text, numbers, None, a JSON object,
        # a UUID, datetimes. Anything else fails loudly in _plain, not silently in the database.
        return json.dumps({column: row[name] for name, column in self.names}, default=_plain)

    def instance(self, row: dict[str, object]) -> models.Model:
        """The saved row as a model instance, built like one read from the database (positional: fast)."""
        values = [row[f.attname] for f in self.model._meta.concrete_fields]
        return self.model.from_db(connection.alias, None, values)


@cache
def _rows() -> tuple[_Row, _Row]:
    _, order_fields, operation_fields = _statement()
    return _Row(Order, order_fields), _Row(Operation, operation_fields)


def _plain(value: object) -> object:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} has no JSON form here")


def insert_registered(
    *,
    merchant: Merchant,
    currency: Currency,
    order_values: dict[str, object],
    operation_values: dict[str, object],
    versions: RowVersions,
) -> Order:
    """Insert the order (terminal chosen here) and its REGISTER operation; return the order.

    `order_values` and `operation_values` are field values by attname; the other fields take their
    defaults. Raises StaleCredentials when the account or merchant changed (nothing written), and
    IntegrityError when the order number is taken, like Model.save().
    """
    statement, _, _ = _statement()
    order_row, operation_row = _rows()
    now = timezone.now()
    order = order_row.values(now, {**order_values, "merchant_id": merchant.pk, "currency_id": currency.pk})
    operation = operation_row.values(now, operation_values)
    params = [
        *versions.params,
        merchant.pk,
        currency.pk,
        order_row.json(order),
        operation_row.json(operation),
    ]
    # Alone, the statement is its own transaction. Inside a caller's, a savepoint keeps that one usable
    # after a duplicate order number.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        cursor.execute(statement.ready(cursor), params)
        found = cursor.fetchone()
    if found is None:
        raise StaleCredentials
    order["id"], order["terminal_id"] = found
    registered = order_row.instance(order)
    registered.merchant, registered.currency = merchant, currency
    return registered
