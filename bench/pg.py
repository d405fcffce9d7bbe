"""What every benchmark does with PostgreSQL: a database of its own, and bulk-insert column lists."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg import sql

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def recreate_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def database_exists(name: str) -> bool:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def select_list(model: Any, overrides: dict[str, str]) -> tuple[sql.Composable, sql.Composable]:
    """Columns and SELECT expressions for every concrete field: overrides, else NULL or the default."""
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.name not in overrides:
            continue
        columns.append(sql.Identifier(field.column))
        if field.name in overrides:
            values.append(sql.SQL(overrides[field.name]))
        elif field.null:
            values.append(sql.SQL("NULL"))
        else:
            default = field.get_default()
            values.append(sql.Literal(json.dumps(default) if isinstance(default, dict) else default))
    return sql.SQL(", ").join(columns), sql.SQL(", ").join(values)
