"""Given staff with MANAGE_INTEGRATIONS, when they upload a customers file and start its
import through GraphQL, then a job runs it (in the API process: the session's server has no
broker) to DONE with its counts; starting it again returns the same job; a dry run is a job
that writes nothing; a bad file is REJECTED with its problems, which download as CSV; the
CLI's jobs are in the same list. Bad input is a user error naming its field. A mapping
that only sets the delimiter is kept for the job, and any file name the upload accepts
runs to the end."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.imports.formats import ColumnMapping, ImportKind, read_mapping
from domain.imports.services import import_file
from domain.uow import UnitOfWork
from tests.support.api import GraphQLClient, error_codes
from tests.support.imports import (
    BAD_CUSTOMERS,
    GOOD_CUSTOMERS,
    JOB,
    JOBS,
    PURCHASES,
    bearer,
    settled,
    start,
    upload,
)


async def count(engine: AsyncEngine, sql: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text(sql))).scalar_one())


async def test_an_uploaded_file_is_imported_once_whatever_the_starts(
    gql: GraphQLClient, server_url: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        upload_id = await upload(http, tokens["admin"], GOOD_CUSTOMERS)
        # When it is started, and started again with the same file uploaded again
        first = await start(gql, upload_id, idempotencyKey="imp-1")
        assert first["userErrors"] == [] and first["existing"] is False
        assert first["job"]["status"] == "QUEUED" and first["job"]["source"] == "API"
        job = await settled(gql, first["job"]["id"])
        again_id = await upload(http, tokens["manager"], GOOD_CUSTOMERS)
        again = await start(gql.as_(tokens["manager"]), again_id)
        replayed = await start(gql, upload_id, idempotencyKey="imp-1")
    # Then one job imported the file: DONE with its counts, the same job each time
    assert job["status"] == "DONE", job
    assert (job["rowsExpected"], job["rowsChecked"], job["rowsLoaded"]) == (3, 3, 3)
    assert (job["customersCreated"], job["balancesOpened"], job["pointsOpened"]) == (3, 2, 125)
    assert job["actor"].startswith("staff:") and job["fileName"] == "customers.csv"
    assert job["startedAt"] and job["finishedAt"] and job["problems"] == []
    assert job["rowsPerSecond"] is None and job["secondsLeft"] is None
    assert again["existing"] is True and again["job"]["id"] == job["id"]
    assert replayed["existing"] is True and replayed["job"]["id"] == job["id"]
    assert await count(clean_db, "SELECT count(*) FROM customers") == 3
    assert await count(clean_db, "SELECT count(*) FROM import_jobs") == 1


async def test_historical_purchases_import_as_history_or_earning(
    gql: GraphQLClient, server_url: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    # Given the customers imported, and a file of their past orders uploaded
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        customers = await upload(http, tokens["admin"], GOOD_CUSTOMERS)
        await settled(gql, (await start(gql, customers))["job"]["id"])
        orders = await upload(http, tokens["admin"], PURCHASES, name="orders.csv")
    # When it is imported as history, then the same file earning
    history = await settled(gql, (await start(gql, orders, kind="PURCHASES"))["job"]["id"])
    earning = await settled(
        gql, (await start(gql, orders, kind="PURCHASES", earn=True))["job"]["id"]
    )
    # Then the history wrote both orders and no points; earning is another import, whose
    # orders are in Tessera already: it earns nothing afterwards
    assert (history["status"], history["earn"], history["rowsLoaded"]) == ("DONE", False, 3)
    assert (history["purchasesCreated"], history["pointsEarned"]) == (2, 0)
    assert earning["id"] != history["id"] and earning["earn"] is True
    assert (earning["status"], earning["purchasesSkipped"], earning["pointsEarned"]) == (
        "DONE",
        2,
        0,
    )
    assert await count(clean_db, "SELECT count(*) FROM purchases") == 2
    assert await count(clean_db, "SELECT count(*) FROM ledger_entries WHERE kind = 'PURCHASE'") == 0


async def test_purchases_imported_earning_credit_their_points(
    gql: GraphQLClient, server_url: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        customers = await upload(http, tokens["admin"], GOOD_CUSTOMERS)
        await settled(gql, (await start(gql, customers))["job"]["id"])
        orders = await upload(http, tokens["admin"], PURCHASES, name="orders.csv")
    # When the orders are imported earning
    job = await settled(gql, (await start(gql, orders, kind="PURCHASES", earn=True))["job"]["id"])
    # Then each order earned once, and the balances rose by what they earned
    assert (job["status"], job["purchasesCreated"]) == ("DONE", 2), job
    earned = await count(
        clean_db, "SELECT COALESCE(sum(points), 0) FROM ledger_entries WHERE kind = 'PURCHASE'"
    )
    assert job["pointsEarned"] == earned > 0
    assert await count(clean_db, "SELECT count(*) FROM ledger_entries WHERE kind = 'PURCHASE'") == 2


async def test_a_dry_run_writes_nothing_and_a_bad_file_is_rejected_with_its_report(
    gql: GraphQLClient, server_url: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        good = await upload(http, tokens["admin"], GOOD_CUSTOMERS)
        bad = await upload(http, tokens["admin"], BAD_CUSTOMERS, name="bad.csv")
        # When the good file is checked (twice: each dry run is its own job) and the bad
        # one is imported
        checked = await settled(gql, (await start(gql, good, dryRun=True))["job"]["id"])
        checked_again = await settled(gql, (await start(gql, good, dryRun=True))["job"]["id"])
        rejected = await settled(gql, (await start(gql, bad))["job"]["id"])
        report = await http.get(
            f"/exports/import-jobs/{rejected['id']}/problems.csv", headers=bearer(tokens["admin"])
        )
        cashier = await http.get(
            f"/exports/import-jobs/{rejected['id']}/problems.csv",
            headers=bearer(tokens["cashier"]),
        )
    # Then the dry runs are CHECKED and wrote no customer
    assert (checked["status"], checked["dryRun"], checked["rowsChecked"]) == ("CHECKED", True, 3)
    assert checked_again["id"] != checked["id"] and checked_again["status"] == "CHECKED"
    assert await count(clean_db, "SELECT count(*) FROM customers") == 0
    # and the bad file is REJECTED with its problems by line, nothing loaded
    assert (rejected["status"], rejected["rowsRejected"], rejected["problemsCount"]) == (
        "REJECTED",
        3,
        3,
    )
    lines = [(p["line"], p["column"], p["code"]) for p in rejected["problems"]]
    assert lines == [(2, "email", "INVALID"), (4, "points", "INVALID"),
                     (5, "external_ref", "DUPLICATE")]  # fmt: skip
    assert report.status_code == 200 and cashier.status_code == 403
    rows = list(csv.reader(io.StringIO(report.text)))
    assert rows[0] == ["line", "column", "code", "reason"]
    assert [r[0] for r in rows[1:]] == ["2", "4", "5"]
    # A dry run of the bad file is REJECTED with the same problems, and writes nothing either
    dry = await settled(gql, (await start(gql, bad, dryRun=True))["job"]["id"])
    assert dry["status"] == "REJECTED" and dry["problems"] == rejected["problems"]
    assert await count(clean_db, "SELECT count(*) FROM customers") == 0


async def test_bad_starts_are_user_errors_naming_their_field(
    gql: GraphQLClient, server_url: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        upload_id = await upload(http, tokens["admin"], GOOD_CUSTOMERS)
    bad_mapping = await start(gql, upload_id, mapping="columns: [1, 2]")
    unknown_column = await start(gql, upload_id, mapping="columns: {shoe_size: Shoe}")
    unknown_upload = await start(gql, "00000000-0000-0000-0000-000000000000")
    malformed = await start(gql, "not-an-id")
    earn = await start(gql, upload_id, earn=True)
    await start(gql, upload_id, dryRun=True, idempotencyKey="k-1")
    conflict = await start(gql, upload_id, idempotencyKey="k-1")
    assert [e["field"] for e in bad_mapping["userErrors"]] == ["mapping"]
    assert "shoe_size" in unknown_column["userErrors"][0]["message"]
    assert [(e["field"], e["code"]) for e in unknown_upload["userErrors"]] == [
        ("uploadId", "NOT_FOUND")
    ]
    assert malformed["userErrors"][0]["field"] == "uploadId"
    assert [(e["field"], e["code"]) for e in earn["userErrors"]] == [("earn", "INVALID")]
    assert conflict["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert await count(clean_db, "SELECT count(*) FROM import_jobs") == 1


async def test_jobs_of_the_cli_and_the_api_are_listed_newest_first(
    gql: GraphQLClient,
    server_url: str,
    tokens: dict[str, str],
    clean_db: AsyncEngine,
    tmp_path: Path,
) -> None:
    # Given a file imported on the command line, then one started from the API
    path = tmp_path / "balances.csv"
    path.write_text("external_ref,points\n", encoding="utf-8")
    await import_file(UnitOfWork(clean_db), ImportKind.BALANCES, path, ColumnMapping(), "import")
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        upload_id = await upload(http, tokens["admin"], GOOD_CUSTOMERS)
    api_job = await settled(gql, (await start(gql, upload_id))["job"]["id"])
    # When the jobs are listed a page at a time, and filtered
    first = (await gql.data(JOBS, {"first": 1}))["importJobs"]
    rest = (await gql.data(JOBS, {"after": first["pageInfo"]["endCursor"]}))["importJobs"]
    balances = (await gql.data(JOBS, {"kind": "BALANCES"}))["importJobs"]["nodes"]
    rejected = (await gql.data(JOBS, {"status": "REJECTED"}))["importJobs"]["nodes"]
    # Then both are there, the API's first, each with its source
    assert [(j["source"], j["kind"]) for j in first["nodes"] + rest["nodes"]] == [
        ("API", "CUSTOMERS"),
        ("CLI", "BALANCES"),
    ]
    assert first["nodes"][0]["id"] == api_job["id"] and first["pageInfo"]["hasNextPage"]
    assert [j["source"] for j in balances] == ["CLI"] and rejected == []
    missing = await gql.post(JOB, {"id": "999999"})
    assert error_codes(missing) == ["NOT_FOUND"]
    refused = await gql.post(JOB, {"id": api_job["id"]}, token=tokens["cashier"])
    assert error_codes(refused) == ["FORBIDDEN"]


SEMICOLONS = "external_ref;email;first_name;points\nS-1;s1@example.com;Ann;120\nS-2;;Bob;5\n"
DELIMITER_ONLY = 'delimiter: ";"\ncolumns: {}\n'


async def test_a_mapping_that_only_sets_the_delimiter_is_kept_for_the_job(
    gql: GraphQLClient,
    server_url: str,
    tokens: dict[str, str],
    clean_db: AsyncEngine,
    tmp_path: Path,
) -> None:
    """Rule (docs/imports.md, "Mapping another export's headers" and "From GraphQL and the
    console"): a mapping may set only the delimiter; startImport keeps its `mapping` with
    the job whenever it reads the file otherwise than no mapping would, and the job is the
    import the command line would run (the same file, kind and mapping is the same job).

    Given a semicolon-separated customers file with our own headers and the mapping
    `delimiter: ";"` (no renamed columns), when its import is started from the API, then
    the job reads the file with that delimiter and imports it (DONE, its customers
    registered), and the command line's run of the same file and mapping finds that job
    done."""
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        upload_id = await upload(http, tokens["admin"], SEMICOLONS, "semi.csv")
    started = await start(gql, upload_id, mapping=DELIMITER_ONLY)
    assert started["userErrors"] == []
    job = await settled(gql, started["job"]["id"])
    assert job["status"] == "DONE", job["error"]
    assert (job["rowsLoaded"], job["pointsOpened"]) == (2, 125)
    assert await count(clean_db, "SELECT count(*) FROM customers") == 2
    path = tmp_path / "semi.csv"
    path.write_text(SEMICOLONS, encoding="utf-8")
    mapping = read_mapping(DELIMITER_ONLY, ImportKind.CUSTOMERS)
    again = await import_file(UnitOfWork(clean_db), ImportKind.CUSTOMERS, path, mapping, "import")
    assert again.already_done and again.job is not None and str(again.job.id) == job["id"]


async def test_an_accepted_file_name_never_leaves_its_job_unfinished(
    gql: GraphQLClient, server_url: str, tokens: dict[str, str], clean_db: AsyncEngine
) -> None:
    """Rule (docs/imports.md, "From GraphQL and the console"): POST /imports/files accepts a
    `fileName` of 1 to 255 characters without control characters, a label only (the worker
    copies the file under a name of its own), and a job started on the upload is run until
    it settles (DONE, REJECTED, CHECKED, or FAILED with `error` saying why), never left
    unfinished by its run.

    Given a customers file uploaded as `é` * 200 + ".csv" (204 characters, 404 bytes of
    UTF-8: more than a file name may have on most file systems), when its import is
    started, then the job imports it (DONE), and shows the name it was uploaded as."""
    name = "é" * 200 + ".csv"
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        upload_id = await upload(http, tokens["admin"], "external_ref,points\nN-1,5\n", name)
    started = await start(gql, upload_id)
    assert started["userErrors"] == []
    job = await settled(gql, started["job"]["id"], wait_s=15.0)
    assert job["status"] == "DONE", job
    assert job["fileName"] == name and job["customersCreated"] == 1
