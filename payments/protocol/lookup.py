"""The status call's order look-up in one statement, for an API account verified earlier by this process.

The statement, prepared once per connection, reads the order and its terminal and checks the
account's row versions (see credentials.RowVersions) at once. When it finds nothing, the order may be
unknown or the account changed: StaleCredentials sends the call the ordinary way, which tells the two
apart.
"""

import uuid
from functools import cache
from typing import Any

from django.db import connection

from payments.models import ApiAccount, Order, Terminal
from payments.prepared import PreparedStatement
from payments.rows import model_instance
from payments.services.credentials import RowVersions, StaleCredentials, versions_of

_FIELDS = Order._meta.concrete_fields
_ATTNAMES = [f.attname for f in _FIELDS]
_TERMINAL = _ATTNAMES.index("terminal_id")
_SQL = (
    f"SELECT {', '.join(f'o.{f.column}' for f in _FIELDS)}, t.terminal_id "  # noqa: S608 (model names)
    f"FROM {Order._meta.db_table} o LEFT JOIN {Terminal._meta.db_table} t ON t.id = o.terminal_id "
    f"WHERE o.merchant_id = %s AND o.{{key}} = %s AND EXISTS ({RowVersions.GUARD})"
)
_BY = {
    key: PreparedStatement(f"ctp_order_by_{key}", _SQL.format(key=key))
    for key in ("order_id", "order_number")
}


@cache
def _converters() -> list[tuple[int, Any, list[Any]]]:
    """What Django applies to each column read (e.g. JSON text to a dict), as its model iterable does."""
    found = []
    for index, field in enumerate(_FIELDS):
        column = field.get_col(Order._meta.db_table)
        if converters := connection.ops.get_db_converters(column) + field.get_db_converters(connection):
            found.append((index, column, converters))
    return found


def _order_from(row: list[Any], related: dict[str, Any]) -> Order:
    for index, column, converters in _converters():
        for convert in converters:
            row[index] = convert(row[index], column, connection)
    values = dict(zip(_ATTNAMES, row, strict=True))
    return model_instance(Order, values, db=connection.alias, related=related)


def order_guarded(*, account: ApiAccount, order_id: str = "", order_number: str = "") -> Order:
    """The account's merchant's order by orderId (else orderNumber). Raises StaleCredentials if none."""
    versions = versions_of(account)
    assert versions is not None, "an account from api_account_cached"
    if order_id:
        try:
            key, statement = uuid.UUID(order_id), _BY["order_id"]
        except ValueError:
            raise StaleCredentials from None
    elif "\x00" in order_number:  # PostgreSQL refuses it; the ordinary path answers "not known"
        raise StaleCredentials
    else:
        key, statement = order_number, _BY["order_number"]
    with connection.cursor() as cursor:
        cursor.execute(statement.ready(cursor), [account.merchant_id, key, *versions.params])
        row = cursor.fetchone()
    if row is None:
        raise StaleCredentials
    *values, terminal_code = row
    related: dict[str, Any] = {"merchant": account.merchant}
    if (terminal_id := values[_TERMINAL]) is not None:
        terminal = {"id": terminal_id, "terminal_id": terminal_code}  # its other fields deferred
        related["terminal"] = model_instance(Terminal, terminal, db=connection.alias)
    return _order_from(values, related)
