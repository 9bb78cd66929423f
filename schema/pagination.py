"""Cursor connections with a capped page size."""

from __future__ import annotations

import base64
import binascii
from typing import Generic, TypeVar

import strawberry

from schema.errors import client_error

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 20


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo


def encode_cursor(kind: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{key}".encode()).decode()


# The largest key a cursor may name: row ids are PostgreSQL bigints.
MAX_KEY = 2**63 - 1


def decode_cursor(kind: str, cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        prefix, _, key = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        if prefix == kind and key.isascii() and key.isdigit() and int(key) <= MAX_KEY:
            return int(key)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise client_error(f"'after' is not a valid {kind} cursor.", field="after")


def page_size(first: int | None, maximum: int) -> int:
    if first is None:
        return min(DEFAULT_PAGE_SIZE, maximum)
    if not 1 <= first <= maximum:
        raise client_error(f"'first' must be between 1 and {maximum}.", field="first")
    return first


def connection(items: list[T], has_next: bool, kind: str) -> Connection[T]:
    """A connection over items that have an integer `id`, the cursor's key."""
    edges = [
        Edge(cursor=encode_cursor(kind, item.id), node=item)  # type: ignore[attr-defined]
        for item in items
    ]
    return Connection(
        edges=edges,
        nodes=items,
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
    )
