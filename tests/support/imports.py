"""What the tests of import jobs over HTTP share: small customers files, an upload through
POST /imports/files, startImport, and polling a job until it settles."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.support.api import GraphQLClient

HEADER = "external_ref,email,first_name,points"
GOOD_CUSTOMERS = HEADER + "\nJ-1,j1@example.com,Ann,120\nJ-2,j2@example.com,Bob,0\nJ-3,,Cid,5\n"
BAD_CUSTOMERS = (
    HEADER + "\nK-1,not-an-email,Ann,10\nK-2,k2@example.com,Bob,4\nK-3,,Cid,-4\nK-2,,Dup,1\n"
)
# Order lines of J-1 and J-3 (GOOD_CUSTOMERS'), one order of two lines.
PURCHASES = (
    "order_id,customer_ref,occurred_at,sku,quantity,unit_price\n"
    "H-1,J-1,2025-03-01T10:00:00+01:00,BEANS,2,10.00\n"
    "H-2,J-3,2025-03-02,CUP,1,5.50\n"
    "H-1,J-1,2025-03-01T10:00:00+01:00,MUG,1,8.00\n"
)
SETTLED = ("DONE", "REJECTED", "CHECKED", "FAILED")

START = """mutation($input: StartImportInput!) {
  startImport(input: $input) {
    job { id status dryRun source kind fileName } existing
    userErrors { field code message } } }"""
JOB = """query($id: ID!) { importJob(id: $id) {
  id kind fileName status dryRun source actor rowsExpected rowsChecked rowsLoaded rowsRejected
  customersCreated balancesOpened pointsOpened purchasesCreated purchasesSkipped pointsEarned
  earn startedAt finishedAt updatedAt rowsPerSecond
  secondsLeft error problemsCount problems(first: 10) { line column code reason } } }"""
JOBS = """query($first: Int, $after: String, $kind: ImportKind, $status: ImportJobStatus) {
  importJobs(first: $first, after: $after, kind: $kind, status: $status) {
    nodes { id kind status source fileName } pageInfo { hasNextPage endCursor } } }"""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def upload(
    http: httpx.AsyncClient, token: str, content: bytes | str, name: str = "customers.csv"
) -> str:
    """The upload's id (the upload must be accepted)."""
    body = content.encode() if isinstance(content, str) else content
    response = await http.post(
        "/imports/files", params={"fileName": name}, content=body, headers=bearer(token)
    )
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    assert answer["bytes"] == len(body)
    return str(answer["uploadId"])


async def start(gql: GraphQLClient, upload_id: str, **more: Any) -> dict[str, Any]:
    variables = {"input": {"kind": "CUSTOMERS", "uploadId": upload_id, **more}}
    payload: dict[str, Any] = (await gql.data(START, variables))["startImport"]
    return payload


async def settled(gql: GraphQLClient, job_id: str, wait_s: float = 60.0) -> dict[str, Any]:
    """The job once DONE, REJECTED, CHECKED or FAILED (polled with a deadline)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_s
    while True:
        job: dict[str, Any] = (await gql.data(JOB, {"id": job_id}))["importJob"]
        if job["status"] in SETTLED:
            return job
        assert loop.time() < deadline, job
        await asyncio.sleep(0.1)
