"""What a bulk load holds while it writes to customers by reference: the customers a chunk
names cannot be erased or renamed until the chunk commits (customers.bulk_register)."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncEngine

from data_protection.parts import PARTS
from domain.customers.bulk_register import known_refs, lock_named
from domain.customers.services import create_customer, update_customer
from domain.data_requests.services import erase_customer
from domain.uow import UnitOfWork

NAMED = "SELECT CAST(:ref AS text) AS external_ref"


async def _known(engine: AsyncEngine, refs: list[str]) -> set[str]:
    uow = UnitOfWork(engine)
    async with uow:
        return await known_refs(uow, refs)


async def test_an_erasure_or_a_rename_waits_for_the_chunk_that_names_the_customer(
    clean_db: AsyncEngine,
) -> None:
    k1 = (await create_customer(UnitOfWork(clean_db), {"external_ref": "K1"}, None)).item.id
    k2 = (await create_customer(UnitOfWork(clean_db), {"external_ref": "K2"}, None)).item.id
    loading = UnitOfWork(clean_db)
    async with loading:
        # Given a chunk's transaction that has locked the customers it names
        await lock_named(loading, NAMED, {"ref": "K1"})
        # When K1 is erased and renamed meanwhile, and K2 (not named) renamed
        erasure = asyncio.create_task(erase_customer(UnitOfWork(clean_db), PARTS, k1, "dpo", "e1"))
        rename = asyncio.create_task(
            update_customer(UnitOfWork(clean_db), str(k1), {"last_name": "Still here"})
        )
        await update_customer(UnitOfWork(clean_db), str(k2), {"external_ref": "K2-new"})
        await asyncio.sleep(0.5)
        # Then the erasure waits, other changes of K1 and K2 do not, and K1 is still
        # there by its reference for the chunk's writes
        assert not erasure.done()
        await asyncio.wait_for(rename, 5)
        assert await known_refs(loading, ["K1"]) == {"K1"}
        await loading.commit()
    # And once the chunk commits the erasure goes through
    await asyncio.wait_for(erasure, 5)
    assert await _known(clean_db, ["K1", "K2", "K2-new"]) == {"K2-new"}


async def test_a_change_of_reference_waits_for_the_chunk_that_names_the_customer(
    clean_db: AsyncEngine,
) -> None:
    k1 = (await create_customer(UnitOfWork(clean_db), {"external_ref": "K1"}, None)).item.id
    loading = UnitOfWork(clean_db)
    async with loading:
        await lock_named(loading, NAMED, {"ref": "K1"})
        renamed = asyncio.create_task(
            update_customer(UnitOfWork(clean_db), str(k1), {"external_ref": "K1-new"})
        )
        await asyncio.sleep(0.5)
        assert not renamed.done()
        await loading.commit()
    await asyncio.wait_for(renamed, 5)
    assert await _known(clean_db, ["K1", "K1-new"]) == {"K1-new"}


async def test_known_references_are_asked_in_one_parameter_however_many(
    clean_db: AsyncEngine,
) -> None:
    # Given a registered customer, and an erased one
    await create_customer(UnitOfWork(clean_db), {"external_ref": "K1"}, None)
    gone = (await create_customer(UnitOfWork(clean_db), {"external_ref": "K2"}, None)).item.id
    await erase_customer(UnitOfWork(clean_db), PARTS, gone, "dpo", "e1")
    # When a bulk import's chunk asks about 50,000 references at once (more than the 32,767
    # parameters a statement may have), the erased one's tombstone among them
    refs = ["K1", f"erased:{gone}", *(f"R{i}" for i in range(50_000))]
    # Then only the customer not erased is known
    assert await _known(clean_db, refs) == {"K1"}
