"""Per-request context: the caller, a unit-of-work factory, dataloaders and limits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader
from strawberry.types import Info as StrawberryInfo

from domain.access.principals import Principal
from domain.customers import repository as customers_repo
from domain.customers.models import Customer, PointCategory
from domain.ledger.models import Account, HistoryFilter, LedgerEntry
from domain.ledger.queries import accounts_by_customer, histories
from domain.pagination import Page
from domain.uow import UnitOfWork

# A customer's ledger page: (customer id, page size, after entry id, filter).
LedgerPageKey = tuple[int, int, int | None, HistoryFilter]


@dataclass
class Loaders:
    """Batch lookups for nested fields, one set per request (no N+1 queries)."""

    new_uow: Callable[[], UnitOfWork]
    account: DataLoader[int, Account | None] = field(init=False)
    category: DataLoader[int, PointCategory | None] = field(init=False)
    customer: DataLoader[int, Customer | None] = field(init=False)
    ledger: DataLoader[LedgerPageKey, Page[LedgerEntry]] = field(init=False)

    def __post_init__(self) -> None:
        self.account = DataLoader(load_fn=self._accounts)
        self.category = DataLoader(load_fn=self._categories)
        self.customer = DataLoader(load_fn=self._customers)
        self.ledger = DataLoader(load_fn=self._ledger_pages)

    async def _accounts(self, ids: list[int]) -> list[Account | None]:
        async with self.new_uow() as uow:
            found = await accounts_by_customer(uow, ids)
        return [found.get(i) for i in ids]

    async def _categories(self, ids: list[int]) -> list[PointCategory | None]:
        async with self.new_uow() as uow:
            found = await customers_repo.categories_by_id(uow, ids)
        return [found.get(i) for i in ids]

    async def _ledger_pages(self, keys: list[LedgerPageKey]) -> list[Page[LedgerEntry]]:
        # One query per distinct page request (usually one: a list asks the same of each).
        groups: dict[tuple[int, int | None, HistoryFilter], list[int]] = defaultdict(list)
        for customer_id, limit, after_id, history_filter in keys:
            groups[(limit, after_id, history_filter)].append(customer_id)
        pages: dict[LedgerPageKey, Page[LedgerEntry]] = {}
        async with self.new_uow() as uow:
            for (limit, after_id, history_filter), customer_ids in groups.items():
                found = await histories(uow, customer_ids, history_filter, limit, after_id)
                for customer_id, page in found.items():
                    pages[(customer_id, limit, after_id, history_filter)] = page
        return [pages[key] for key in keys]

    async def _customers(self, ids: list[int]) -> list[Customer | None]:
        async with self.new_uow() as uow:
            found = await customers_repo.customers_by_id(uow, ids)
        return [found.get(i) for i in ids]


@dataclass
class Context:
    principal: Principal
    new_uow: Callable[[], UnitOfWork]
    loaders: Loaders
    max_page_size: int
    request: Any = None


Info = StrawberryInfo[Context, None]
