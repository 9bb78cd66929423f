"""A badge change re-syncs its holders a chunk of customers at a time, without holding
balance writes back: balance writes racing the chunks (credits, debits, new customers)
leave every customer holding exactly the badges their points give, each change logged
once with its event; a credit during the re-sync of 50,000 customers waits for one chunk
at most; a later change supersedes an earlier re-sync; a re-sync handed over, run twice or
killed mid-way ends the same."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.audit import audit
from domain.badges.models import BadgeSpec
from domain.badges.resync import ResyncProgress, resync_badge, resync_progress
from domain.badges.services import BadgeChange, Handover, create_badge, update_badge
from domain.customers.services import create_customer
from domain.errors import DomainError
from domain.ledger import posting as post
from domain.ledger.kinds import EntryKind
from domain.ledger.posting import Posting
from domain.ledger.services import adjust_points
from domain.uow import UnitOfWork
from tessera.database import create_engine
from tessera.settings import PROJECT_ROOT
from tests.support.badges import assert_badges_sound, seed_customers

ACTOR = "test"
WRITERS = 30  # concurrent clients moving points
# The other sessions of the test database that are in a statement or a transaction.
BUSY_SESSIONS = (
    "pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
    "AND backend_type = 'client backend' AND state <> 'idle'"
)


class Handed:
    """A Handover's `send` that only records what it was given (the test runs the rest)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, int]] = []

    async def __call__(self, badge_id: int, generation: int) -> None:
        self.sent.append((badge_id, generation))

    def handover(self, inline_customers: int = 0) -> Handover:
        return Handover(self, inline_s=None, inline_customers=inline_customers)


async def progress_of(engine: AsyncEngine, badge_id: int) -> ResyncProgress:
    return (await resync_progress(UnitOfWork(engine), [badge_id]))[badge_id]


async def until(engine: AsyncEngine, query: str, within_s: float = 10) -> None:
    """Poll (with a deadline) until `query` is true."""
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        async with engine.connect() as conn:
            if (await conn.execute(text(query))).scalar_one():
                return
        assert asyncio.get_running_loop().time() < deadline, f"never true: {query}"
        await asyncio.sleep(0.005)


async def test_a_new_customer_in_flight_when_a_badge_changes_gets_it(clean_db: AsyncEngine) -> None:
    # Given a Welcome badge for 0-99 points, inactive
    handed = Handed()
    welcome = await create_badge(
        UnitOfWork(clean_db), BadgeSpec("Welcome", 0, 99, active=False), "welcome"
    )
    # And a customer being created: their account written and its badge trigger already
    # run (against Welcome inactive: no badge), not yet committed
    uow = UnitOfWork(clean_db)
    async with uow:
        await uow.execute(
            text(
                "INSERT INTO customers (category_id) SELECT id FROM point_categories "
                "WHERE is_default"
            )
        )
        await uow.execute(
            text("INSERT INTO point_accounts (customer_id) SELECT max(id) FROM customers")
        )
        await uow.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))
        # When Welcome is activated meanwhile (the request spending 0.2 s at most on its
        # re-sync), and the customer commits after the request
        activated = await update_badge(
            UnitOfWork(clean_db),
            str(welcome.badge.id),
            {"active": True},
            Handover(handed, inline_s=0.2),
        )
        await uow.commit()
    # Then the re-sync did not start before the customer committed: it was handed over
    assert activated.resync is not None and activated.resync.customers_done == 0
    assert handed.sent == [(welcome.badge.id, 2)]
    # And once the worker's run is over the new customer holds Welcome
    done = await resync_badge(UnitOfWork(clean_db), welcome.badge.id, 2)
    assert done is not None and (done.unlocked, done.finished) == (1, True)
    await assert_badges_sound(clean_db)


@contextlib.asynccontextmanager
async def engine_for(database_url: str, connections: int) -> AsyncIterator[AsyncEngine]:
    """An engine of its own with room for `connections` at once (a shared pool smaller
    than the clients would starve some of them: its waiters are not served in order)."""
    engine = create_engine(database_url, pool_size=connections // 2 + 1)
    try:
        yield engine
    finally:
        await engine.dispose()


async def test_balance_writes_racing_a_chunked_resync_leave_everyone_in_step(
    clean_db: AsyncEngine, database_url: str
) -> None:
    async with engine_for(database_url, 30) as writers, engine_for(database_url, 4) as admin:
        await racing_resync(clean_db, writers, admin)


async def racing_resync(clean_db: AsyncEngine, writers: AsyncEngine, admin: AsyncEngine) -> None:
    # Given 3,000 customers with 0-999 points and Silver 500-899
    await seed_customers(clean_db, 3_000)
    new = lambda: UnitOfWork(admin)  # noqa: E731
    silver = await create_badge(new(), BadgeSpec("Silver", 500, 899), "silver")
    badge_id = silver.badge.id
    async with clean_db.connect() as conn:
        ids = list((await conn.execute(text("SELECT id FROM customers"))).scalars())
    handed = Handed()
    resyncs_done = asyncio.Event()
    cursor = [0]  # where the re-sync stands: half the writes go to the customers just above

    async def watch() -> None:
        while not resyncs_done.is_set():
            async with admin.connect() as conn:
                found = await conn.execute(text("SELECT through_customer_id FROM badge_resyncs"))
                cursor[0] = found.scalar_one()
            await asyncio.sleep(0.002)

    async def writer(n: int) -> None:
        """Credits and debits that cross Silver's bounds, and now and then a new customer,
        until the re-syncs are over (and at least 15 each). Writer n moves only its own
        customers (ids n modulo 30, and those it creates): the race under test is between
        the writes and the re-sync's chunks, not between writes (tested with the ledger)."""
        rng = random.Random(n)
        mine = [cid for cid in ids if cid % WRITERS == n]
        i = 0
        while i < 15 or not resyncs_done.is_set():
            i += 1
            key = f"w{n}-{i}"
            uow = UnitOfWork(writers)
            if i % 10 == 0:
                created = (await create_customer(uow, {}, None)).item
                mine.append(created.id)
                await adjust_points(uow, str(created.id), rng.randint(400, 900), "n", key, ACTOR)
                continue
            points = rng.choice([-120, -60, -15, 15, 60, 120])
            near = cursor[0] + rng.randint(1, 200)
            near += (n - near) % WRITERS  # the next of writer n's customers
            customer = near if rng.random() < 0.5 and near <= 3_000 else rng.choice(mine)
            with contextlib.suppress(DomainError):  # a debit beyond the balance
                await adjust_points(uow, str(customer), points, "n", key, ACTOR)

    async def changes() -> None:
        """Silver widened, re-synced by two runs at once in chunks of 100; changed again
        half-way, the first re-sync left to stop by itself; the second run to the end."""
        first = await update_badge(
            new(), str(badge_id), {"min_points": 450, "max_points": 949}, handed.handover()
        )
        assert first.resync is not None
        gen = first.resync.generation
        runs: list[Awaitable[ResyncProgress | None]] = [
            resync_badge(new(), badge_id, gen, batch_customers=100) for _ in range(2)
        ]
        early = asyncio.gather(*runs)
        await until(admin, "SELECT customers_done >= 1000 FROM badge_resyncs")
        second = await update_badge(
            new(), str(badge_id), {"min_points": 520, "max_points": 800}, handed.handover()
        )
        assert second.resync is not None
        superseded = await early
        assert all(p is not None and p.superseded for p in superseded)
        last = await resync_badge(new(), badge_id, second.resync.generation, batch_customers=100)
        assert last is not None and last.finished
        resyncs_done.set()

    # When 30 writers move points while the badge changes twice and is re-synced
    await asyncio.gather(*(writer(n) for n in range(WRITERS)), changes(), watch())

    # Then every customer holds Silver exactly when their points lie in 520-800, each
    # unlock and loss logged once with its event, and both changes were handed over
    assert [gen for _, gen in handed.sent] == [2, 3]
    await assert_badges_sound(clean_db)


async def test_a_credit_during_the_resync_of_50k_customers_waits_one_chunk_at_most(
    clean_db: AsyncEngine,
) -> None:
    # Given 50,000 customers with 0-999 points, and Gold 500+ just created (so half of them
    # unlock it), its re-sync not run yet
    await seed_customers(clean_db, 50_000)
    handed = Handed()
    gold = await create_badge(
        UnitOfWork(clean_db), BadgeSpec("Gold", 500), "gold", handed.handover()
    )
    assert gold.resync is not None and not gold.resync.finished
    rng = random.Random(5)
    latencies_s: list[float] = []

    # When the re-sync runs, and credits are made one after another meanwhile
    start = time.perf_counter()
    run = asyncio.create_task(resync_badge(UnitOfWork(clean_db), gold.badge.id, 1))
    while not run.done():
        t0 = time.perf_counter()
        customer = str(rng.randint(1, 50_000))
        await adjust_points(UnitOfWork(clean_db), customer, 7, "n", f"c{len(latencies_s)}", ACTOR)
        if not run.done():
            latencies_s.append(time.perf_counter() - t0)
    done = await run
    duration_s = time.perf_counter() - start

    # Then the re-sync went through every customer while the credits went on, none of them
    # held back for more than a small part of it (with a lock on every balance, each would
    # have waited for all of it)
    assert done is not None and done.finished and done.customers_done == 50_000
    assert len(latencies_s) >= 5, (len(latencies_s), duration_s)
    assert max(latencies_s) < duration_s / 4, (max(latencies_s), duration_s)
    await assert_badges_sound(clean_db)


async def test_a_change_re_syncs_inline_up_to_its_bound_then_hands_the_rest_over(
    clean_db: AsyncEngine,
) -> None:
    # Given 12,000 customers with 0-999 points
    await seed_customers(clean_db, 12_000)
    handed = Handed()
    # When Gold 500+ is created with a bound of 4,000 customers inside the request
    gold = await create_badge(
        UnitOfWork(clean_db), BadgeSpec("Gold", 500), "gold", handed.handover(4_000)
    )
    # Then the request re-synced two chunks of 2,000 (and reports their unlocks so far), and
    # handed the rest over once
    assert gold.resync is not None
    assert (gold.resync.customers_done, gold.resync.customers_total) == (4_000, 12_000)
    assert gold.unlocked == gold.resync.unlocked > 0 and not gold.resync.finished
    assert handed.sent == [(gold.badge.id, 1)]
    # And the audit finds nothing wrong while the rest waits
    assert await audit(clean_db) == []
    # When the worker's run continues it
    done = await resync_badge(UnitOfWork(clean_db), gold.badge.id, 1)
    # Then it ends with every customer, each unlock counted once
    assert done is not None and done.finished and done.customers_done == 12_000
    async with clean_db.connect() as conn:
        due = await conn.execute(text("SELECT count(*) FROM point_accounts WHERE balance >= 500"))
        assert done.unlocked == due.scalar_one()
    await assert_badges_sound(clean_db)


async def test_a_resync_run_twice_at_once_or_again_after_it_ended_resyncs_once(
    clean_db: AsyncEngine,
) -> None:
    # Given 2,000 customers and Gold 500+ created, its re-sync handed over
    await seed_customers(clean_db, 2_000)
    gold = await create_badge(
        UnitOfWork(clean_db), BadgeSpec("Gold", 500), "gold", Handed().handover()
    )
    # When two runs of it go at once (a message delivered twice), then a third after them
    twice = await asyncio.gather(
        *(resync_badge(UnitOfWork(clean_db), gold.badge.id, 1, batch_customers=150) for _ in "ab")
    )
    again = await resync_badge(UnitOfWork(clean_db), gold.badge.id, 1)
    # Then they shared the work: the customers were re-synced once, each unlock logged once
    assert [p is not None and p.finished for p in twice] == [True, True]
    assert again == twice[0] == twice[1]
    assert again is not None and again.customers_done == 2_000
    await assert_badges_sound(clean_db)


async def test_a_resync_killed_mid_way_is_continued_by_the_next_run(
    clean_db: AsyncEngine, database_url: str
) -> None:
    # Given 20,000 customers and Gold 500+ created, its re-sync handed over
    await seed_customers(clean_db, 20_000)
    gold = await create_badge(
        UnitOfWork(clean_db), BadgeSpec("Gold", 500), "gold", Handed().handover()
    )
    # When `tessera resync-badges` runs it and is killed (SIGKILL) after a chunk
    process = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "tessera.cli", "resync-badges"],
        env={**os.environ, "TESSERA_DATABASE_URL": database_url},
        cwd=PROJECT_ROOT,
        stdout=asyncio.subprocess.DEVNULL,
    )
    try:
        await until(clean_db, "SELECT customers_done > 0 FROM badge_resyncs", within_s=30)
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
        # Its session may still be in a statement; end it as PostgreSQL would once it
        # noticed the client gone (our own pool's sessions are idle now)
        async with clean_db.connect() as conn:
            await conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM {BUSY_SESSIONS}"))
        await until(clean_db, f"SELECT count(*) = 0 FROM {BUSY_SESSIONS}")
    stopped = await progress_of(clean_db, gold.badge.id)
    # Then it stopped part of the way (the audit is content: those not reached yet are left)
    assert 0 < stopped.customers_done < 20_000 and not stopped.finished
    assert await audit(clean_db) == []
    # When the next run continues it
    done = await resync_badge(UnitOfWork(clean_db), gold.badge.id, 1)
    # Then it ends with every customer once, the killed chunk redone, nothing twice
    assert done is not None and done.finished and done.customers_done == 20_000
    await assert_badges_sound(clean_db)


async def test_a_later_change_supersedes_the_earlier_resync(clean_db: AsyncEngine) -> None:
    # Given 1,000 customers and Gold 500+ whose re-sync stopped after 400 customers
    await seed_customers(clean_db, 1_000)
    handed = Handed()
    gold = await create_badge(
        UnitOfWork(clean_db), BadgeSpec("Gold", 500), "gold", handed.handover()
    )
    first = await resync_badge(
        UnitOfWork(clean_db), gold.badge.id, 1, max_customers=400, batch_customers=200
    )
    assert first is not None and first.customers_done == 400 and first.unlocked > 0
    # When Gold is raised to 900+, and then the first change's run comes back
    raised = await update_badge(
        UnitOfWork(clean_db), str(gold.badge.id), {"min_points": 900}, handed.handover()
    )
    late = await resync_badge(UnitOfWork(clean_db), gold.badge.id, 1)
    # Then the late run stops at once: the later change wins
    assert late is not None and late.superseded and late.customers_done == 0
    assert (await progress_of(clean_db, gold.badge.id)).generation == 2
    # And the later change's re-sync takes Gold from those the first gave it under 900
    assert raised.resync is not None
    done = await resync_badge(UnitOfWork(clean_db), gold.badge.id, raised.resync.generation)
    assert done is not None and done.finished and done.lost > 0
    await assert_badges_sound(clean_db)


async def test_a_balance_write_still_open_delays_only_the_resync(clean_db: AsyncEngine) -> None:
    # Given a customer at 490 points and Silver 500-1999
    ann = str((await create_customer(UnitOfWork(clean_db), {}, None)).item.id)
    await adjust_points(UnitOfWork(clean_db), ann, 490, "start", "s", ACTOR)
    handed = Handed()
    silver = await create_badge(
        UnitOfWork(clean_db), BadgeSpec("Silver", 500, 1999), "silver", handed.handover()
    )
    # And a credit of 20 to Ann left open
    uow = UnitOfWork(clean_db)
    async with uow:
        credit = Posting.of(int(ann), 20, EntryKind.MANUAL, ACTOR, note="n", idempotency_key="k")
        await post.credit(uow, credit)
        # When Silver is lowered to 480-1999 meanwhile, the request spending 0.2 s at most
        # on its re-sync
        lowered: BadgeChange = await update_badge(
            UnitOfWork(clean_db),
            str(silver.badge.id),
            {"min_points": 480},
            Handover(handed, inline_s=0.2),
        )
        # Then the change is committed and handed over without waiting for the credit
        assert lowered.badge.spec.min_points == 480
        assert lowered.resync is not None and not lowered.resync.finished
        assert handed.sent[-1] == (silver.badge.id, 2)
        # And another customer's credit goes through meanwhile
        bob = str((await create_customer(UnitOfWork(clean_db), {}, None)).item.id)
        await adjust_points(UnitOfWork(clean_db), bob, 600, "start", "b", ACTOR)
        await uow.commit()
    # When the worker's run continues after the credit committed
    done = await resync_badge(UnitOfWork(clean_db), silver.badge.id, 2)
    # Then Ann (510) and Bob (600) hold Silver, each unlock logged once
    assert done is not None and done.finished
    await assert_badges_sound(clean_db)
