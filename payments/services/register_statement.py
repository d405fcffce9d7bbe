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

from django.db import connection, transaction
from django.db.models import Field
from django.utils import timezone

from payments.models import Contract, Currency, Merchant, Operation, Order, Terminal
from payments.prepared import PreparedStatement
from payments.rows import model_instance

from .credentials import RowVersions, StaleCredentials


def _columns(model: type, *, skip: set[str]) -> list[Field]:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in skip]


_NONE = object()  # no fixed default


class _Row:
    """A model's row as Django's INSERT would write it, built without a model instance.

    Field defaults are read once from the model; callable defaults and auto_now fields are filled per
    row. Building Order() and Operation() instances and preparing their fields for the INSERT cost more
    than the rest of register.do's Python together.
    """

    def __init__(self, model: type, fields: list[Field]) -> None:
        self.model = model
        self.fields = fields
        self.column = {f.attname: f.column for f in fields}
        self.static: dict[str, object] = {}
        self.fresh: list[tuple[str, Callable[[], object]]] = []
        self.timestamps: list[str] = []
        for f in fields:
            if (
                getattr(f, "auto_now", False)
                or getattr(f, "auto_now_add", False)
                or f.default is timezone.now
            ):
                self.timestamps.append(f.attname)
            elif f.has_default() and callable(f.default):
                self.fresh.append((f.attname, f.default))
            else:
                self.static[f.attname] = f.get_default()
        self.varying = [name for name, _ in self.fresh] + self.timestamps

    def column_list(self, prefix: str = "") -> str:
        return ", ".join(prefix + connection.ops.quote_name(f.column) for f in self.fields)

    def populate(self) -> str:
        """SQL: the row of the table's type from the %s JSON document, its fixed defaults underneath."""
        table = self.model._meta.db_table
        defaults = json.dumps(
            {self.column[name]: value for name, value in self.static.items()}, default=_plain
        )
        # Dollar-quoted: taken as written whatever the server's string settings. "%s" would be a
        # placeholder; no model default holds one (nor the tag) today, and a test builds this statement.
        if "%s" in defaults or "$defaults$" in defaults:
            raise ValueError(f"{table}: a default holds '%s' or '$defaults$': {defaults}")
        base = f"jsonb_populate_record(NULL::{table}, $defaults${defaults}$defaults$::jsonb)"
        return f"jsonb_populate_record({base}, %s::jsonb)"

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

    def json(self, row: dict[str, object], given: dict[str, object]) -> str:
        """The JSON document for populate(): the defaults made for this row, and what `given` holds
        unless the fixed defaults underneath hold it already (the many empty texts of a new order)."""
        # Values are those of the request and of the model's defaults: text, numbers, None, a JSON object,
        # a UUID, datetimes. Anything else fails loudly in _plain, not silently in the database.
        document = {self.column[name]: row[name] for name in self.varying}
        static = self.static
        for name, value in given.items():
            default = static.get(name, _NONE)
            if not (value == default and type(value) is type(default)):
                document[self.column[name]] = value
        return json.dumps(document, default=_plain)


@cache
def _rows() -> tuple[_Row, _Row]:
    order = _Row(Order, _columns(Order, skip={"terminal"}))
    return order, _Row(Operation, _columns(Operation, skip={"order"}))


@cache
def _statement() -> PreparedStatement:
    order_row, operation_row = _rows()
    link = Contract.currencies.through._meta
    terminal = (
        f"SELECT t.id FROM {Terminal._meta.db_table} t "  # noqa: S608 (names from the models)
        f"JOIN {Contract._meta.db_table} c ON c.id = t.contract_id "
        f"JOIN {link.db_table} cc ON cc.{link.get_field('contract').column} = c.id "
        f"WHERE t.is_active AND c.is_active AND c.merchant_id = %s "
        f"AND cc.{link.get_field('currency').column} = %s ORDER BY c.id, t.id LIMIT 1"
    )
    # Each row's values travel as one JSON document that PostgreSQL turns back into a row of the table's
    # type: a handful of parameters instead of sixty. The document holds only what varies: the other
    # columns come from a row of the model's fixed defaults, written into the statement once.
    order, operation = Order._meta.db_table, Operation._meta.db_table
    sql = (
        f"WITH guard AS ({RowVersions.GUARD}), terminal AS ({terminal}), "  # noqa: S608 (model names)
        f"new_order AS (INSERT INTO {order} ({order_row.column_list()}, terminal_id) "
        f"SELECT {order_row.column_list('r.')}, terminal.id "
        f"FROM {order_row.populate()} r, guard, terminal RETURNING id, terminal_id) "
        f"INSERT INTO {operation} (order_id, {operation_row.column_list()}) "
        f"SELECT new_order.id, {operation_row.column_list('r.')} "
        f"FROM {operation_row.populate()} r, new_order "
        f"RETURNING order_id, (SELECT terminal_id FROM new_order)"
    )
    return PreparedStatement("ctp_register", sql)


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
    statement = _statement()
    order_row, operation_row = _rows()
    now = timezone.now()
    order_given = {**order_values, "merchant_id": merchant.pk, "currency_id": currency.pk}
    order = order_row.values(now, order_given)
    params = [
        *versions.params,
        merchant.pk,
        currency.pk,
        order_row.json(order, order_given),
        operation_row.json(operation_row.values(now, operation_values), operation_values),
    ]
    # Alone, the statement is its own transaction. Inside a caller's, a savepoint keeps that one usable
    # after a duplicate order number.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        cursor.execute(statement.ready(cursor), params)
        found = cursor.fetchone()
    if found is None:
        raise StaleCredentials
    order["id"], order["terminal_id"] = found
    return model_instance(
        Order, order, db=connection.alias, related={"merchant": merchant, "currency": currency}
    )
