"""The events the foundation records. Funnels and notifications consume them later."""

from __future__ import annotations

from dataclasses import dataclass

from domain.events.store import DomainEvent


@dataclass(frozen=True)
class CustomerRegistered(DomainEvent):
    external_ref: str | None
    category_id: int


@dataclass(frozen=True)
class CustomerUpdated(DomainEvent):
    fields: list[str]


@dataclass(frozen=True)
class CustomerErased(DomainEvent):
    """The customer's personal data was erased (domain/data_requests): a consumer that
    copied any of it elsewhere (a platform, a mailing list) erases its copy. No payload: who
    erased them is in the data-request log."""


@dataclass(frozen=True)
class CategoryChanged(DomainEvent):
    from_category_id: int
    to_category_id: int
    actor: str
    # MANUAL (setCustomerCategory) or RULE (the tier rules; with their measure and value).
    reason: str = "MANUAL"
    measure: str | None = None
    value: int | None = None


@dataclass(frozen=True)
class PurchaseRecorded(DomainEvent):
    shop: str
    order_id: str
    status: str
    total_minor: int


@dataclass(frozen=True)
class PurchaseRefunded(DomainEvent):
    shop: str
    order_id: str
    amount_minor: int
    points_taken: int
    points_uncollected: int
    points_returned: int = 0


@dataclass(frozen=True)
class PointsEarned(DomainEvent):
    entry_id: int
    points: int
    balance_after: int
    kind: str
    source_ref: str | None


@dataclass(frozen=True)
class PointsSpent(DomainEvent):
    entry_id: int
    points: int
    balance_after: int
    kind: str
    source_ref: str | None


@dataclass(frozen=True)
class PointsExpired(DomainEvent):
    """Written set-based by the expiry job (domain/ledger/expiry_job.py), with this payload."""

    entry_id: int
    points: int
    balance_after: int


@dataclass(frozen=True)
class ExpiryRunFinished(DomainEvent):
    """The expiry job (domain/ledger/expiry_job.py) expired points: written with its last
    batch, only when the run expired something (customer_id is None)."""

    as_of: str  # the run's clock, ISO 8601 in UTC: lots due at or before it expired
    customers: int  # customers who lost points in this run
    points: int  # points expired in all


@dataclass(frozen=True)
class LedgerEntryReversed(DomainEvent):
    entry_id: int
    reversal_entry_id: int
    points: int
    balance_after: int


@dataclass(frozen=True)
class VoucherBatchCreated(DomainEvent):
    batch_id: int
    name: str
    count: int
    kind: str


@dataclass(frozen=True)
class VoucherAssigned(DomainEvent):
    voucher_id: int
    batch_id: int | None


@dataclass(frozen=True)
class VoucherRedeemed(DomainEvent):
    voucher_id: int
    redemption_id: int
    shop: str
    order_id: str
    discount_minor: int


@dataclass(frozen=True)
class VoucherRedemptionCancelled(DomainEvent):
    voucher_id: int
    redemption_id: int  # the use cancelled (VoucherRedeemed's redemption_id)
    shop: str
    order_id: str
    discount_minor: int


# Events about issued vouchers carry the voucher's id, not its code: a code is a bearer
# secret, and whoever sends it (notifications) reads it from the voucher.
@dataclass(frozen=True)
class PointsConvertedToVoucher(DomainEvent):
    voucher_id: int
    entry_id: int
    points: int
    value_minor: int


@dataclass(frozen=True)
class RewardClaimed(DomainEvent):
    reward_id: int
    claim_id: int
    voucher_id: int
    entry_id: int
    points: int


@dataclass(frozen=True)
class RedemptionCancelled(DomainEvent):
    redemption_id: int
    shop: str
    order_id: str
    points: int
    value_minor: int


# Badge events are written by the SQL function sync_badges_of (migration 0016; 0009's
# sync_badges calls it), in the statement that moved the points or re-synced a chunk of a
# badge's holders; the payloads carry these fields. The function
# lives in the database, so its payload cannot be generated at run time: a test reads it back
# and fails when it and these classes differ (change both with a migration redefining it).
@dataclass(frozen=True)
class BadgeUnlocked(DomainEvent):
    badge_id: int
    change_id: int  # the badge_changes row
    basis: str  # BALANCE or LIFETIME: what `points` measures
    points: int  # the customer's points that unlocked it
    cause: str  # POINTS (their points moved) or BADGE (the badge was created or changed)


@dataclass(frozen=True)
class BadgeLost(DomainEvent):
    badge_id: int
    change_id: int
    basis: str
    points: int  # the customer's points when they lost it
    cause: str


@dataclass(frozen=True)
class GiftRunFinished(DomainEvent):
    """A gift schedule paid one period (domain/gifts/runs.py), written in the transaction
    that paid it (customer_id is None)."""

    run_id: int
    schedule_id: int
    schedule_name: str  # as it was when the run paid
    period: str  # the fire time paid, ISO 8601 in UTC
    customers_credited: int
    customers_skipped: int  # matched, but the credit would have crossed the balance ceiling
    points: int  # credited in all


@dataclass(frozen=True)
class CardIssued(DomainEvent):
    """A card was given to the customer (issueCard, a cardCode on createCustomer or
    updateCustomer, or the new card of a replacement, which names the card it replaces)."""

    card_id: int
    code: str
    card_type: str  # POINTS, DISCOUNT, CURRENT_DISCOUNT or PRIZE
    series_id: int
    primary: bool
    replaces_code: str | None = None


@dataclass(frozen=True)
class CardStatusChanged(DomainEvent):
    """A card moved between ACTIVE, BLOCKED, LOST and REPLACED (a replaced card names the
    card that replaced it). A call asking for the status the card has records nothing."""

    card_id: int
    code: str
    card_type: str
    from_status: str
    to_status: str
    reason: str | None
    replaced_by_code: str | None = None


@dataclass(frozen=True)
class WebhookSubscriptionDisabled(DomainEvent):
    """A webhook subscription's run of failed attempts reached the configured limit and it
    was disabled (domain/webhooks/deliveries.py; customer_id is None)."""

    subscription_id: int
    url: str
    failures: int  # consecutive failed attempts
