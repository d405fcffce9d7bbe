"""Statements prepared once per database connection (PostgreSQL), for the API's hottest calls.

Django binds parameters on the client, so PostgreSQL plans every statement it receives; for the API's
one-statement register and status calls the planning costs more than the execution. A PreparedStatement
is planned once per connection (PREPARE) and then run by name (EXECUTE) through Django's own cursor,
so it stays visible to Django's query logging and transactions. PREPARE is not undone by a rollback
and lives as long as the session; a new connection prepares again. (Behind a pooler in transaction mode,
named statements would need the pooler's support: not a set-up we ship.)
"""

import re
import weakref
from typing import Any

from django.db import connection

# Names prepared on each live psycopg connection. Weak: a closed connection takes its names with it.
_prepared: "weakref.WeakKeyDictionary[Any, set[str]]" = weakref.WeakKeyDictionary()


class PreparedStatement:
    def __init__(self, name: str, sql: str) -> None:
        """`sql` uses %s placeholders, like cursor.execute()."""
        self.name = name
        self.count = sql.count("%s")
        numbers = iter(range(1, self.count + 1))
        self._prepare = f"PREPARE {name} AS " + re.sub(r"%s", lambda _match: f"${next(numbers)}", sql)
        self.execute_sql = (
            f"EXECUTE {name}({', '.join(['%s'] * self.count)})" if self.count else f"EXECUTE {name}"
        )

    def ready(self, cursor: Any) -> str:
        """Prepare on this connection if needed; returns the SQL that runs it (with %s per parameter)."""
        connection.ensure_connection()
        names = _prepared.setdefault(connection.connection, set())
        if self.name not in names:
            cursor.execute(self._prepare)
            names.add(self.name)
        return self.execute_sql
