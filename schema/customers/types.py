"""Customer and category GraphQL types, converted from domain objects at the edge."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from domain.access.permissions import Permission
from domain.access.principals import CustomerPrincipal
from domain.customers.models import (
    ConsentChange,
    ConsentChannel,
    ConsentSource,
    Customer,
    PointCategory,
)
from domain.ledger.models import Account
from schema.badges.types import CustomerBadgesType
from schema.context import Info
from schema.ledger.inputs import LedgerFilter
from schema.ledger.types import LedgerEntryType, PointsSummaryType
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.permissions import owner_or, requires
from schema.rewards.types import RewardStandingType
from schema.scalars import JSON
from schema.vouchers.enums import VoucherStatusEnum

ConsentChannelEnum = strawberry.enum(
    ConsentChannel, name="ConsentChannel", description="A channel a customer consents to."
)
ConsentSourceEnum = strawberry.enum(
    ConsentSource,
    name="ConsentSource",
    description="Who or what changed a consent: STAFF (createCustomer, updateCustomer), "
    "CUSTOMER (setMyConsent), STOP_KEYWORD (an SMS reply), UNSUBSCRIBE_LINK (an email's link).",
)

if TYPE_CHECKING:
    from schema.bi.rfm import RfmScoreType
    from schema.cards.types import CardObject
    from schema.customers.history import CategoryChangeType
    from schema.funnels.enrollments import FunnelEnrollmentType
    from schema.vouchers.types import VoucherType


@strawberry.type(name="PointCategory", description="A tier: its multiplier scales earning.")
class PointCategoryType:
    id: strawberry.ID
    name: str
    earn_multiplier: Decimal
    is_default: bool

    @classmethod
    def of(cls, c: PointCategory) -> PointCategoryType:
        return cls(
            id=strawberry.ID(str(c.id)),
            name=c.name,
            earn_multiplier=c.earn_multiplier,
            is_default=c.is_default,
        )


@strawberry.type(
    name="ConsentChange", description="One change of a customer's consent to a channel."
)
class ConsentChangeType:
    id: strawberry.ID
    channel: ConsentChannelEnum  # type: ignore[valid-type]
    granted: bool
    source: ConsentSourceEnum  # type: ignore[valid-type]
    actor: str = strawberry.field(
        description="Who changed it: a staff token's name, customer:<externalRef>, or the "
        "system that received the STOP keyword or the unsubscribe click."
    )
    changed_at: datetime

    @classmethod
    def of(cls, c: ConsentChange) -> ConsentChangeType:
        return cls(
            id=strawberry.ID(str(c.id)),
            channel=c.channel,
            granted=c.granted,
            source=c.source,
            actor=c.actor,
            changed_at=c.changed_at,
        )


@strawberry.type(name="Customer")
class CustomerType:
    id: strawberry.ID
    external_ref: str | None = strawberry.field(description="The shop's own customer id.")
    email: str | None
    phone: str | None = strawberry.field(description="In E.164: +393401234567.")
    first_name: str | None
    last_name: str | None
    locale: str | None = strawberry.field(
        description="BCP 47 in its canonical form (it-IT): the language and formats of "
        "messages, and the country a national phone number is read in."
    )
    time_zone: str | None = strawberry.field(description="IANA: Europe/Rome.")
    birth_date: date | None
    consent_email: bool
    consent_sms: bool
    attributes: JSON
    created_at: datetime
    updated_at: datetime
    category_manual: bool = strawberry.field(
        description="Set by hand (setCustomerCategory): the tier rules leave the category "
        "alone until releaseCategoryOverride."
    )
    erased_at: datetime | None = strawberry.field(
        default=None,
        description="When the customer's personal data was erased (eraseCustomer); null "
        "while it was not. An erased customer can no longer earn, spend or be messaged.",
    )
    category_id: strawberry.Private[int]
    customer_id: strawberry.Private[int]

    @classmethod
    def of(cls, c: Customer) -> CustomerType:
        return cls(
            id=strawberry.ID(str(c.id)),
            external_ref=c.external_ref,
            email=c.email,
            phone=c.phone,
            first_name=c.first_name,
            last_name=c.last_name,
            locale=c.locale,
            time_zone=c.time_zone,
            birth_date=c.birth_date,
            consent_email=c.consent_email,
            consent_sms=c.consent_sms,
            attributes=c.attributes,  # type: ignore[arg-type]
            created_at=c.created_at,
            updated_at=c.updated_at,
            category_manual=c.category_manual,
            erased_at=c.erased_at,
            category_id=c.category_id,
            customer_id=c.id,
        )

    @strawberry.field(
        description="The code of the customer's primary card (cards lists them all); "
        "setting it (createCustomer, updateCustomer) issues or replaces that card."
    )
    async def card_code(self, info: Info) -> str | None:
        card = await info.context.loaders.primary_card.load(self.customer_id)
        return card.code if card else None

    @strawberry.field(
        permission_classes=[owner_or(Permission.VIEW_CUSTOMERS)],
        description="The customer's cards, primary first, then newest first (replaced, "
        "blocked and lost ones included, with their status).",
    )
    async def cards(
        self, info: Info
    ) -> list[Annotated[CardObject, strawberry.lazy("schema.cards.types")]]:
        from schema.cards.types import CardObject  # it refers back to CustomerType

        return [CardObject.of(c) for c in await info.context.loaders.cards.load(self.customer_id)]

    @strawberry.field
    async def category(self, info: Info) -> PointCategoryType:
        category = await info.context.loaders.category.load(self.category_id)
        assert category is not None
        return PointCategoryType.of(category)

    @strawberry.field(permission_classes=[owner_or(Permission.VIEW_POINTS)])
    async def points(self, info: Info) -> PointsSummaryType:
        account = await info.context.loaders.account.load(self.customer_id)
        return PointsSummaryType.of(account or Account(self.customer_id, 0, 0, 0))

    @strawberry.field(
        permission_classes=[owner_or(Permission.VIEW_POINTS)],
        description="Movements, newest first.",
    )
    async def ledger(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        filter: LedgerFilter | None = None,
    ) -> Connection[LedgerEntryType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("LedgerEntry", after)
        domain_filter = (filter or LedgerFilter()).to_domain()
        page = await info.context.loaders.ledger.load(
            (self.customer_id, (limit, after_id, domain_filter))
        )
        return connection([LedgerEntryType.of(e) for e in page.items], page.has_next, "LedgerEntry")

    @strawberry.field(
        permission_classes=[owner_or(Permission.VIEW_CUSTOMERS)],
        description="Every change of consent, newest first, with its source and time. "
        "History starts at each customer's first change since consent was recorded.",
    )
    async def consent_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[ConsentChangeType]:
        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("ConsentChange", after)
        page = await info.context.loaders.consent_history.load(
            (self.customer_id, (limit, after_id))
        )
        return connection(
            [ConsentChangeType.of(c) for c in page.items], page.has_next, "ConsentChange"
        )

    @strawberry.field(
        permission_classes=[owner_or(Permission.VIEW_POINTS)],
        description="The active rewards, cheapest first, and how far this customer is from each.",
    )
    async def rewards(self, info: Info) -> list[RewardStandingType]:
        found = await info.context.loaders.rewards.load(self.customer_id)
        return [RewardStandingType.of(s) for s in found]

    @strawberry.field(
        permission_classes=[owner_or(Permission.VIEW_POINTS)],
        description="The badges unlocked, and the next ones with the points still needed.",
    )
    async def badges(self, info: Info) -> CustomerBadgesType:
        return CustomerBadgesType.of(await info.context.loaders.badges.load(self.customer_id))

    @strawberry.field(
        permission_classes=[owner_or(Permission.VIEW_POINTS)],
        description="The vouchers assigned to this customer (bought with points, claimed as "
        "rewards, or assigned by the shop), newest first; only those in `status` if given.",
    )
    async def vouchers(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: VoucherStatusEnum | None = None,  # type: ignore[valid-type]
    ) -> Connection[Annotated[VoucherType, strawberry.lazy("schema.vouchers.types")]]:
        from schema.vouchers.types import VoucherType  # it refers back to CustomerType

        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("Voucher", after)
        page = await info.context.loaders.customer_vouchers.load(
            (self.customer_id, (limit, after_id, status))
        )
        return connection([VoucherType.of(v) for v in page.items], page.has_next, "Voucher")

    @strawberry.field(
        permission_classes=[owner_or(Permission.VIEW_CUSTOMERS)],
        description="Every change of category (by hand, by a funnel, by the tier rules), "
        "newest first.",
    )
    async def category_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[CategoryChangeType, strawberry.lazy("schema.customers.history")]]:
        from schema.customers.history import CategoryChangeType  # it builds on PointCategoryType

        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("CategoryChange", after)
        page = await info.context.loaders.category_history.load(
            (self.customer_id, (limit, after_id))
        )
        return connection(
            [CategoryChangeType.of(c) for c in page.items], page.has_next, "CategoryChange"
        )

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_CUSTOMERS)],
        description="RFM scores from the latest run (null: no order in its window).",
    )
    async def rfm(
        self, info: Info
    ) -> Annotated[RfmScoreType, strawberry.lazy("schema.bi.rfm")] | None:
        from schema.bi.rfm import customer_rfm

        return await customer_rfm(info, self.customer_id)

    @strawberry.field(
        permission_classes=[requires(Permission.VIEW_CUSTOMERS)],
        description="The funnels this customer entered, newest entry first (staff only).",
    )
    async def funnel_enrollments(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Connection[Annotated[FunnelEnrollmentType, strawberry.lazy("schema.funnels.enrollments")]]:
        from schema.funnels.enrollments import FunnelEnrollmentType

        limit = page_size(first, info.context.max_page_size)
        after_id = decode_cursor("FunnelEnrollment", after)
        page = await info.context.loaders.funnel_enrollments.load(
            (self.customer_id, (limit, after_id))
        )
        return connection(
            [FunnelEnrollmentType.of(e) for e in page.items], page.has_next, "FunnelEnrollment"
        )


async def load_customer(info: Info, customer_id: int | None) -> CustomerType | None:
    """The customer through the request's dataloader (payloads resolve it only if asked).
    A customer's token reaches only its own customer this way: another one (who used a code
    before it became theirs, say) is null, whatever path led to them."""
    if customer_id is None:
        return None
    found = await info.context.loaders.customer.load(customer_id)
    if found is None:
        return None
    principal = info.context.principal
    if isinstance(principal, CustomerPrincipal) and principal.external_ref != found.external_ref:
        return None
    return CustomerType.of(found)
