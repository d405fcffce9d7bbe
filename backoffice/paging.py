"""Keyset pagination for big lists: each page costs the same, however deep, and no page runs COUNT(*).

A page link carries the sort and the last (or first) row's key, never an OFFSET: PostgreSQL reads the
next rows straight from the (merchant, sort column, id) order instead of skipping thousands. The
total is counted only up to COUNT_LIMIT ("1000+"), which stays cheap on any merchant.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import Q, QuerySet

COUNT_LIMIT = 1000
T = TypeVar("T", bound=models.Model)


@dataclass(frozen=True)
class SortKey:
    column: str  # the model field the rows are ordered by; `id` breaks ties, so the order is total
    descending: bool

    @property
    def token(self) -> str:
        return f"-{self.column}" if self.descending else self.column


@dataclass
class KeysetPage(Generic[T]):
    rows: list[T]
    next_cursor: str | None
    previous_cursor: str | None
    count: int  # exact when below COUNT_LIMIT
    count_is_capped: bool


def parse_sort(token: str, allowed: set[str], default: str) -> SortKey:
    column = token.lstrip("-")
    if column not in allowed:
        token, column = default, default.lstrip("-")
    return SortKey(column=column, descending=token.startswith("-"))


def _encode(sort: SortKey, row: models.Model) -> str:
    value = getattr(row, sort.column)
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps([sort.token, value, row.pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(sort: SortKey, cursor: str) -> tuple[Any, int] | None:
    """The (value, id) of a cursor made for this sort; None when it is garbage or for another sort."""
    try:
        token, value, pk = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["dt"])
    except (ValueError, TypeError, KeyError):
        return None
    if token != sort.token or not isinstance(pk, int) or isinstance(value, (list, dict)):
        return None
    return value, pk


def _after(sort: SortKey, value: Any, pk: int, *, forward: bool) -> Q:
    # Rows strictly beyond (value, pk) in the walking direction. The first, redundant term is the one
    # an index can start from: without it PostgreSQL reads every row before the cursor and filters them.
    later = sort.descending != forward  # walking towards larger keys?
    op = "gt" if later else "lt"
    beyond = Q(**{f"{sort.column}__{op}": value}) | Q(**{sort.column: value, f"pk__{op}": pk})
    return Q(**{f"{sort.column}__{op}e": value}) & beyond


def keyset_page(
    queryset: QuerySet[T], *, sort: SortKey, after: str = "", before: str = "", per_page: int = 50
) -> KeysetPage[T]:
    cursor = _decode(sort, before or after) if (before or after) else None
    forward = not (before and cursor)  # a stale or foreign cursor means the first page
    ordering = [sort.token, "-pk" if sort.descending else "pk"]
    if not forward:
        ordering = [o[1:] if o.startswith("-") else f"-{o}" for o in ordering]
    page_qs = queryset.order_by(*ordering)
    first_ids = None
    if cursor:
        page_qs = page_qs.filter(_after(sort, *cursor, forward=forward))
        rows = list(page_qs[: per_page + 1])  # one extra row tells whether another page exists
    else:
        # The first page: the ids of the first COUNT_LIMIT + 1 matches give the page and the count in one
        # reading of the matches (a second query would read them again: a whole trigram search).
        first_ids = list(page_qs.values_list("pk", flat=True)[: COUNT_LIMIT + 1])
        rows = list(queryset.filter(pk__in=first_ids[: per_page + 1]).order_by(*ordering))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not forward:
        rows.reverse()
    has_next = more if forward else bool(cursor)
    has_previous = bool(cursor) if forward else more
    capped_count = (
        len(first_ids)
        if first_ids is not None
        else queryset.order_by()[: COUNT_LIMIT + 1].count()  # COUNT over a LIMIT: bounded work
    )
    return KeysetPage(
        rows=rows,
        next_cursor=_encode(sort, rows[-1]) if rows and has_next else None,
        previous_cursor=_encode(sort, rows[0]) if rows and has_previous else None,
        count=min(capped_count, COUNT_LIMIT),
        count_is_capped=capped_count > COUNT_LIMIT,
    )
