"""Keyset pages: items after a known id, plus whether more follow."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    has_next: bool

    @classmethod
    def from_rows(cls, rows: list[T], limit: int) -> Page[T]:
        """Rows fetched with LIMIT limit + 1: the extra row only tells that more follow."""
        return cls(items=rows[:limit], has_next=len(rows) > limit)
