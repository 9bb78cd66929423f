"""`tessera expire-holds | expire-points | run-gifts | evaluate-tiers | resync-badges |
rollup-ledger | compute-rfm`: the scheduled jobs, run once now (for cron, or to catch up by
hand). Each prints what it did and exits 0 (rollup-ledger: 1 when it gave up waiting)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tessera.settings import Settings

if TYPE_CHECKING:
    from domain.analytics.cohort_rollups import CohortRollupRun
    from domain.analytics.product_rollups import ProductRollupRun
    from domain.ledger.rollups import RollupRun
    from domain.uow import UnitOfWork
    from domain.watermarks import Progress, Stream

# How `tessera.cli` runs a unit of work on the configured database.
Runner = Callable[[Settings, Callable[["UnitOfWork"], Awaitable[Any]]], Any]


class JobCommands:
    """The handlers of the job commands, running their work with `run`."""

    def __init__(self, run: Runner) -> None:
        self._run = run

    def add_to(self, sub: Any) -> None:
        """Add the job commands to the `tessera` parser's subparsers."""
        expire = sub.add_parser("expire-holds", help="release holds past their time (for cron)")
        expire.set_defaults(run=self.expire_holds)

        expire_points = sub.add_parser(
            "expire-points", help="expire points past their date now (what the daily job does)"
        )
        expire_points.set_defaults(run=self.expire_points)
        gifts = sub.add_parser("run-gifts", help="pay the gift schedules' due periods now")
        gifts.set_defaults(run=self.run_gifts)

        tiers = sub.add_parser("evaluate-tiers", help="place customers by the tier rules now")
        tiers.set_defaults(run=self.evaluate_tiers)

        resync = sub.add_parser(
            "resync-badges", help="continue every unfinished badge re-sync now, to its end"
        )
        resync.set_defaults(run=self.resync_badges)

        rollup = sub.add_parser(
            "rollup-ledger",
            help="roll up every ledger entry (and the cohorts' entries and purchases) written so "
            "far now (what the scheduled roll_up_ledger actor does each minute)",
        )
        rollup.add_argument(
            "--wait", type=float, default=300.0, help="seconds to wait for open transactions"
        )
        rollup.set_defaults(run=self.rollup_ledger)
        rfm = sub.add_parser("compute-rfm", help="score every customer's RFM now (the daily job)")
        rfm.add_argument("--key", help="idempotency key: the same key computes once")
        rfm.set_defaults(run=self.compute_rfm)

    def expire_holds(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.checkout.holds import expire_holds

        expired = self._run(settings, expire_holds)
        print(f"{expired} hold(s) expired")
        return 0

    def expire_points(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.ledger.expiry_job import expire_points

        run = self._run(settings, expire_points)
        print(f"{run.points} point(s) expired for {run.customers} customer(s)")
        return 0

    def run_gifts(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.gifts.runs import run_gift_schedules
        from funnels.engine.conditions import saved_segments

        paid = self._run(settings, lambda uow: run_gift_schedules(uow, None, saved_segments()))
        for p in paid:
            print(
                f"{p.name}: period {p.run.period:%Y-%m-%d %H:%M} UTC, "
                f"{p.run.customers_credited} customer(s) credited {p.run.points_credited} points, "
                f"{p.run.customers_skipped} skipped at the balance ceiling"
            )
        print(f"{len(paid)} gift period(s) paid")
        return 0

    def evaluate_tiers(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.tiers.evaluation import evaluate_tiers

        done = self._run(settings, evaluate_tiers)
        for move in done.moves:
            print(
                f"category {move.from_category_id} -> {move.to_category_id}: "
                f"{move.customers} customer(s)"
            )
        print(f"{done.moved} customer(s) moved by the tier rules")
        return 0

    def compute_rfm(self, args: argparse.Namespace, settings: Settings) -> int:
        from datetime import UTC, datetime

        from domain.analytics.rfm import compute_rfm

        key = args.key or f"cli-{datetime.now(UTC).isoformat()}"
        done = self._run(settings, lambda uow: compute_rfm(uow, key, "cli"))
        state = "superseded by a newer run" if done.superseded else "done"
        print(
            f"RFM run {done.id} as of {done.as_of:%Y-%m-%d %H:%M} UTC: {done.customers} "
            f"customer(s) scored; {state}"
        )
        return 0

    def resync_badges(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.badges.resync import continue_resyncs

        done = self._run(settings, continue_resyncs)
        for p in done:
            state = "superseded" if p.superseded else "done"
            print(
                f"badge {p.badge_id} (change {p.generation}): {p.customers_done} customer(s) "
                f"re-synced, {p.unlocked} unlocked, {p.lost} lost; {state}"
            )
        print(f"{len(done)} badge re-sync(s) continued")
        return 0

    def rollup_ledger(self, args: argparse.Namespace, settings: Settings) -> int:
        from domain.analytics.card_rollups import roll_up_cards_now
        from domain.analytics.cohort_rollups import roll_up_cohorts_now
        from domain.analytics.product_rollups import roll_up_products_now
        from domain.analytics.roi_rollups import MADE, roll_up_roi_now
        from domain.ledger.rollups import roll_up_now

        def roll(uow: UnitOfWork) -> Awaitable[RollupRun]:
            return roll_up_now(uow, wait_s=args.wait)

        def roll_cohorts(uow: UnitOfWork) -> Awaitable[CohortRollupRun]:
            return roll_up_cohorts_now(uow, wait_s=args.wait)

        def roll_cards(uow: UnitOfWork) -> Awaitable[Progress]:
            return roll_up_cards_now(uow, wait_s=args.wait)

        def roll_products(uow: UnitOfWork) -> Awaitable[ProductRollupRun]:
            return roll_up_products_now(uow, wait_s=args.wait)

        def roll_roi(uow: UnitOfWork) -> Awaitable[dict[Stream, Progress]]:
            return roll_up_roi_now(uow, wait_s=args.wait)

        run = self._run(settings, roll)
        print(
            f"{run.rows} entries rolled up in {run.batches} batch(es); "
            f"the rollups hold every entry up to id {run.rolled_to}"
        )
        cohorts = self._run(settings, roll_cohorts)
        print(
            f"cohorts: {cohorts.ledger.rows} entries and {cohorts.purchases.rows} made "
            "purchases rolled up"
        )
        cards = self._run(settings, roll_cards)
        print(f"card types: the cards of {cards.rows} customer(s) counted")
        products = self._run(settings, roll_products)
        print(f"top products: {products.days} day(s) recomputed")
        roi = self._run(settings, roll_roi)
        print(f"ROI: the days of {roi[MADE].rows} made orders and refunds recomputed")
        waiting = [
            p for p in (run, cohorts.customers, cohorts.ledger, cohorts.purchases, cards,
                        products.made, products.refunds, *roi.values())
            if p.pending_to is not None and p.pending_to > p.rolled_to
        ]  # fmt: skip
        if waiting:
            print("still waiting for transactions that may write below the pending watermarks")
            return 1
        return 0
