"""Every list the platform answers is a page: a bounded number of items, where they start, and the total.

A province's lists grow with every commune and year; an unbounded answer would one day be a timeout
for the official who asked and a memory spike for the service. So a list route takes `Paging`
(`?limit=&offset=`, the limit capped at `MAX_LIMIT`) and answers `Page[Item]`, and its query runs
through `fetch_page`, which counts the total in the same statement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import asyncpg
from fastapi import Depends, Query
from pydantic import BaseModel, Field

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    """Một trang của danh sách — one page of a list."""

    items: list[T]
    total: int = Field(description="Tổng số — how many items the whole list holds")
    limit: int = Field(description="Số mục tối đa mỗi trang — the page size asked for")
    offset: int = Field(description="Vị trí bắt đầu — how many items precede this page")


@dataclass(frozen=True)
class Paging:
    limit: int = DEFAULT_LIMIT
    offset: int = 0

    def of(self, items: list[T], total: int) -> Page[T]:
        """A page of a list already held in memory (small lists computed rather than queried)."""
        return Page[T](items=items[self.offset:self.offset + self.limit], total=total, limit=self.limit,
                       offset=self.offset)


def _paging(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"Số mục mỗi trang — page size (≤ {MAX_LIMIT})")]
    = DEFAULT_LIMIT,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Bỏ qua bao nhiêu mục — items to skip")] = 0,
) -> Paging:
    return Paging(limit, offset)


PageParams = Annotated[Paging, Depends(_paging)]


async def fetch_page(db: asyncpg.Connection | asyncpg.Pool, sql: str, *args: Any, order_by: str, paging: Paging,
                     item: Callable[[dict[str, Any]], T]) -> Page[T]:
    """One page of the rows `sql` selects (written without ORDER BY or LIMIT), in `order_by` order.

    `order_by` must end on a unique column so pages neither repeat nor skip a row. The total comes
    from a window over the same statement; past the end, where no row carries it, it is counted.
    """
    n = len(args)
    rows = await db.fetch(
        f"select q.*, count(*) over () as page__total from ({sql}) q order by {order_by} "
        f"limit ${n + 1} offset ${n + 2}", *args, paging.limit, paging.offset)
    if rows:
        total = rows[0]["page__total"]
    else:
        total = await db.fetchval(f"select count(*) from ({sql}) q", *args) if paging.offset else 0
    items = [item({k: v for k, v in r.items() if k != "page__total"}) for r in rows]
    return Page[T](items=items, total=total, limit=paging.limit, offset=paging.offset)
