"""The status calls' order look-up in one statement, for an API account verified earlier by this process.

The statement reads the order and its terminal and checks the account's row versions (see
credentials.RowVersions) at once. When it finds nothing, the order may be unknown or the account changed:
StaleCredentials sends the call the ordinary way, which tells the two apart.
"""

import uuid

from django.db import connection

from payments.models import ApiAccount, Order, Terminal
from payments.services.credentials import RowVersions, StaleCredentials

_SQL = (
    f"SELECT o.*, t.terminal_id AS terminal_code FROM {Order._meta.db_table} o "  # noqa: S608 (model names)
    f"LEFT JOIN {Terminal._meta.db_table} t ON t.id = o.terminal_id "
    f"WHERE o.merchant_id = %s AND o.{{key}} = %s AND EXISTS ({RowVersions.GUARD})"
)
_BY = {"order_id": _SQL.format(key="order_id"), "order_number": _SQL.format(key="order_number")}


def is_guarded(account: ApiAccount) -> bool:
    return hasattr(account, "row_versions") and connection.vendor == "postgresql"


def order_guarded(*, account: ApiAccount, order_id: str = "", order_number: str = "") -> Order:
    """The account's merchant's order by orderId (else orderNumber). Raises StaleCredentials if none."""
    versions: RowVersions = account.row_versions  # type: ignore[attr-defined]
    if order_id:
        try:
            key, sql = uuid.UUID(order_id), _BY["order_id"]
        except ValueError:
            raise StaleCredentials from None
    else:
        key, sql = order_number, _BY["order_number"]
    found = next(iter(Order.objects.raw(sql, [account.merchant_id, key, *versions.params])), None)
    if found is None:
        raise StaleCredentials
    if found.terminal_id is not None:
        terminal = Terminal.from_db(
            connection.alias, ["id", "terminal_id"], [found.terminal_id, found.terminal_code]
        )
        Order.terminal.field.set_cached_value(found, terminal)
    found.merchant = account.merchant
    return found
