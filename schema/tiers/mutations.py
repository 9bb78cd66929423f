"""Tier rule mutations, and handing hand-set categories back to the rules."""

from __future__ import annotations

import strawberry

from domain.access.permissions import Permission
from domain.tiers import evaluation, services
from domain.tiers.evaluation import Move
from schema.context import Info
from schema.customers.types import CustomerType
from schema.errors import UserError, payload_on_error
from schema.permissions import requires
from schema.tiers.inputs import ReleaseCategoryOverrideInput, SetTierRulesInput
from schema.tiers.types import TierMoveType, TierRulesType


@strawberry.type
class SetTierRulesPayload:
    rules: TierRulesType | None = None
    moves: list[TierMoveType] = strawberry.field(
        default_factory=list,
        description="What an evaluation under these rules would move now (customers move "
        "at the next evaluation).",
    )
    moved_count: int = 0
    dry_run: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EvaluateTiersPayload:
    moves: list[TierMoveType] = strawberry.field(default_factory=list)
    moved_count: int = 0
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReleaseCategoryOverridePayload:
    released_count: int = strawberry.field(
        default=0, description="Customers whose hand-set category went back to the rules."
    )
    moves: list[TierMoveType] = strawberry.field(
        default_factory=list, description="Where the rules placed them at once."
    )
    customers: list[CustomerType] = strawberry.field(
        default_factory=list, description="The released customers (the first 100)."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _moves(moves: list[Move]) -> list[TierMoveType]:
    return [TierMoveType.of(m) for m in moves]


@strawberry.type
class TierMutations:
    @strawberry.mutation(permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)])
    @payload_on_error(SetTierRulesPayload)
    async def set_tier_rules(self, info: Info, input: SetTierRulesInput) -> SetTierRulesPayload:
        change = await services.set_tier_rules(
            info.context.new_uow(),
            input.measure,
            input.window_days,
            [r.to_domain() for r in input.rungs],
            dry_run=input.dry_run,
        )
        return SetTierRulesPayload(
            rules=TierRulesType.of(change.rules),
            moves=_moves(change.moves),
            moved_count=change.moved,
            dry_run=change.dry_run,
        )

    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_ENGAGEMENT)],
        description="Place every customer not set by hand by the tier rules now (what the "
        "daily evaluate_tiers job does).",
    )
    @payload_on_error(EvaluateTiersPayload)
    async def evaluate_tiers(self, info: Info) -> EvaluateTiersPayload:
        done = await evaluation.evaluate_tiers(info.context.new_uow())
        return EvaluateTiersPayload(moves=_moves(done.moves), moved_count=done.moved)

    @strawberry.mutation(
        permission_classes=[requires(Permission.MANAGE_CATEGORIES)],
        description="Hand customers whose category was set by hand back to the tier rules, "
        "which place them at once.",
    )
    @payload_on_error(ReleaseCategoryOverridePayload)
    async def release_category_override(
        self, info: Info, input: ReleaseCategoryOverrideInput
    ) -> ReleaseCategoryOverridePayload:
        done = await services.release_category_override(
            info.context.new_uow(),
            customer_ids=list(input.customer_ids) if input.customer_ids is not None else None,
            filter=input.filter.to_domain() if input.filter is not None else None,
        )
        shown = await info.context.loaders.customer.load_many(done.first_ids)
        return ReleaseCategoryOverridePayload(
            released_count=done.released,
            moves=_moves(done.moves),
            customers=[CustomerType.of(c) for c in shown if c is not None],
        )
