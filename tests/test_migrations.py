"""The migrations match the table definitions and can be undone and redone."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from alembic import command
from sqlalchemy import text

from domain.uow import UnitOfWork
from notifications.builtins.reaction import BuiltInNotifications
from notifications.dispatch.composing import Shop
from notifications.dispatch.dispatcher import Dispatched, dispatch_pending
from tessera.database import asyncpg_dsn, create_engine
from tessera.migrate import alembic_config, upgrade
from tests.support.databases import fresh_database

# Alembic's env.py calls asyncio.run, so its commands run in a thread, off the test loop.


async def test_models_match_migrations(database_url: str) -> None:
    # Raises when autogenerate would find differences between metadata and the database.
    await asyncio.to_thread(command.check, alembic_config(database_url))


async def test_downgrade_to_base_then_upgrade_to_head(postgres_server: str) -> None:
    async with fresh_database(postgres_server) as url:
        # When every migration is undone
        await asyncio.to_thread(command.downgrade, alembic_config(url), "base")
        # Then only Alembic's own bookkeeping table is left
        assert await _tables(url) == ["alembic_version"]
        # And redoing them gives the complete schema again
        await asyncio.to_thread(upgrade, url)
        assert "ledger_entries" in await _tables(url)
        await asyncio.to_thread(command.check, alembic_config(url))


async def _tables(url: str) -> list[str]:
    conn = await asyncpg.connect(asyncpg_dsn(url))
    try:
        rows = await conn.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        )
        return [row["tablename"] for row in rows]
    finally:
        await conn.close()


async def test_0018_rewrites_phones_in_e164_and_sets_aside_the_unreadable(
    postgres_server: str,
) -> None:
    async with fresh_database(postgres_server) as url:
        # Given customers with phones written before 0018, in whatever form
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0017")
        phones = ["+39 340 123 4567", "0039 06 1234 5678", "340 123 4567", "call me", None]
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            category = await conn.fetchval(
                "INSERT INTO point_categories (name, earn_multiplier) VALUES ('M', 1) RETURNING id"
            )
            for n, phone in enumerate(phones):
                await conn.execute(
                    "INSERT INTO customers (external_ref, phone, category_id, attributes) "
                    'VALUES ($1, $2, $3, \'{"tier": "x"}\')',
                    f"m-{n}",
                    phone,
                    category,
                )
        finally:
            await conn.close()
        # When 0018 runs
        await asyncio.to_thread(upgrade, url)
        # Then international numbers are in E.164; the others are null, kept in attributes
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            rows = await conn.fetch(
                "SELECT phone, attributes ->> 'legacyPhone' AS legacy, attributes ->> 'tier' "
                "AS tier FROM customers ORDER BY external_ref"
            )
        finally:
            await conn.close()
        assert [tuple(r) for r in rows] == [
            ("+393401234567", None, "x"),
            ("+390612345678", None, "x"),
            (None, "340 123 4567", "x"),
            (None, "call me", "x"),
            (None, None, "x"),
        ]


async def test_0023_marks_the_events_recorded_before_it_published(postgres_server: str) -> None:
    async with fresh_database(postgres_server) as url:
        # Given a history of events recorded before notifications existed
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0022")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            await conn.execute(
                "INSERT INTO domain_events (type, customer_id, payload) "
                "SELECT 'CustomerUpdated', n, '{\"fields\": []}' FROM generate_series(1, 50) n"
            )
        finally:
            await conn.close()
        # When 0023 runs
        await asyncio.to_thread(upgrade, url)
        # Then none of them is pending: the first dispatcher takes nothing
        engine = create_engine(url, pool_size=1)
        try:
            done = await dispatch_pending(UnitOfWork(engine), [BuiltInNotifications(Shop())])
            assert done == Dispatched(0, [])
            async with engine.connect() as c:
                left = await c.execute(
                    text("SELECT count(*) FROM domain_events WHERE published_at IS NULL")
                )
                assert left.scalar_one() == 0
        finally:
            await engine.dispose()


async def test_0031_undone_drops_the_segment_rules_and_keeps_the_others(
    postgres_server: str,
) -> None:
    async with fresh_database(postgres_server) as url:
        # Given a rule for everyone and a rule on a saved segment
        conn = await asyncpg.connect(asyncpg_dsn(url))
        insert = (
            "INSERT INTO price_rules (name, effect, percent_bp, scope, condition, segment) "
            "VALUES ($1, 'PERCENT', 1000, 'ALL', $2, $3)"
        )
        try:
            await conn.execute(insert, "Everyone", "NONE", None)
            await conn.execute(insert, "Big spenders", "SEGMENT", "big-spenders")
            # (a segment on another condition, or a SEGMENT rule without one, is refused)
            for condition, segment in (("NONE", "big-spenders"), ("SEGMENT", None)):
                with pytest.raises(asyncpg.CheckViolationError):
                    await conn.execute(insert, "Bad", condition, segment)
        finally:
            await conn.close()
        # When 0031 is undone, then the rule that needs it is gone and the other stays
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0030")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            names = await conn.fetch("SELECT name FROM price_rules")
        finally:
            await conn.close()
        assert [r["name"] for r in names] == ["Everyone"]
        await asyncio.to_thread(upgrade, url)


async def test_0035_makes_each_card_code_its_customers_primary_points_card(
    postgres_server: str,
) -> None:
    async with fresh_database(postgres_server) as url:
        # Given customers before 0035, one with a card code and one without
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0034")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            category = await conn.fetchval("SELECT id FROM point_categories LIMIT 1")
            for ref, code in (("with", "2900000000017"), ("without", None)):
                await conn.execute(
                    "INSERT INTO customers (external_ref, card_code, category_id) "
                    "VALUES ($1, $2, $3)",
                    ref,
                    code,
                    category,
                )
        finally:
            await conn.close()
        # When 0035 runs
        await asyncio.to_thread(upgrade, url)
        # Then the code is the first customer's one card: primary, active, of type POINTS
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            rows = await conn.fetch(
                "SELECT c.external_ref, k.code, k.type, k.status, k.is_primary, s.name "
                "FROM cards k JOIN customers c ON c.id = k.customer_id "
                "JOIN card_series s ON s.id = k.series_id"
            )
        finally:
            await conn.close()
        assert [tuple(r) for r in rows] == [
            ("with", "2900000000017", "POINTS", "ACTIVE", True, "Loyalty card")
        ]


async def test_0038_drops_card_code_and_its_downgrade_restores_the_primary_codes(
    postgres_server: str,
) -> None:
    async with fresh_database(postgres_server) as url:
        # Given, at 0035, a customer whose primary card was replaced, one without a card,
        # and one whose code was written to the old column after 0035 ran
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0035")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            category = await conn.fetchval("SELECT id FROM point_categories LIMIT 1")
            await conn.execute(
                "INSERT INTO customers (external_ref, card_code, category_id) VALUES "
                "('ann', NULL, $1), ('bob', NULL, $1), ('cy', 'LATE-1', $1)",
                category,
            )
            await conn.execute(
                "INSERT INTO card_series (name, type) VALUES ('Loyalty card', 'POINTS') "
                "ON CONFLICT DO NOTHING"
            )
            await conn.execute(
                "INSERT INTO cards (customer_id, series_id, code, type, status, is_primary) "
                "SELECT c.id, s.id, v.code, 'POINTS', v.status, v.is_primary "
                "FROM customers c, card_series s, (VALUES ('OLD-1', 'REPLACED', false), "
                "('NEW-1', 'ACTIVE', true)) v(code, status, is_primary) "
                "WHERE c.external_ref = 'ann' AND s.name = 'Loyalty card'"
            )
        finally:
            await conn.close()
        # When 0038 runs, the late code became cy's primary card and the column is gone
        await asyncio.to_thread(upgrade, url)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            late = await conn.fetch(
                "SELECT k.code, k.is_primary FROM cards k JOIN customers c ON c.id = "
                "k.customer_id WHERE c.external_ref = 'cy'"
            )
            column = await conn.fetchval(
                "SELECT count(*) FROM information_schema.columns "
                "WHERE table_name = 'customers' AND column_name = 'card_code'"
            )
        finally:
            await conn.close()
        assert [tuple(r) for r in late] == [("LATE-1", True)] and column == 0
        # When it is undone, each customer's card_code is its primary card's code again
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0035")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            codes = await conn.fetch("SELECT external_ref, card_code FROM customers ORDER BY id")
        finally:
            await conn.close()
        assert [tuple(r) for r in codes] == [("ann", "NEW-1"), ("bob", None), ("cy", "LATE-1")]
        await asyncio.to_thread(upgrade, url)


async def test_0053_empties_the_keys_of_customers_erased_before(postgres_server: str) -> None:
    async with fresh_database(postgres_server) as url:
        # Given a customer a platform registered by email, erased before 0053, and one not
        await asyncio.to_thread(command.downgrade, alembic_config(url), "0052")
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            category = await conn.fetchval("SELECT id FROM point_categories LIMIT 1")
            await conn.execute(
                "INSERT INTO customers (external_ref, category_id, idempotency_key,"
                " request_digest, erased_at, erased_by) VALUES"
                " ('erased:1', $1, 'woocommerce:web:customer:zorro@example.eu', 'ab', now(),"
                "  'staff:admin'), ('ann', $1, 'create-ann', 'cd', NULL, NULL)",
                category,
            )
        finally:
            await conn.close()
        # When 0053 runs, only the erased one's key and fingerprint are gone
        await asyncio.to_thread(upgrade, url)
        conn = await asyncpg.connect(asyncpg_dsn(url))
        try:
            rows = await conn.fetch(
                "SELECT external_ref, idempotency_key, request_digest FROM customers ORDER BY id"
            )
        finally:
            await conn.close()
        assert [tuple(r) for r in rows] == [("erased:1", None, None), ("ann", "create-ann", "cd")]
