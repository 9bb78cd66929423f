"""Fuzzing the whole API (issue 8, item 7): schemathesis generates every query and mutation
of the schema with arbitrary arguments (strings with NUL characters and lone surrogates,
huge and negative numbers, times at the calendar's edges, deep JSON) and sends them, with
an admin token, to a real server process on a database of its own. No answer may be a 5xx,
an INTERNAL_SERVER_ERROR, or an error without a code, and the server may log no traceback.
Every other route (exports, uploads, platform and Twilio webhooks, unsubscribe links) is
sent each strange URL part, then arbitrary paths, query parameters, bodies and tokens: no
answer may be a 5xx.

The suite runs a short form (TESSERA_FUZZ_EXAMPLES, default 4, examples per operation: tens
of seconds). Run it longer by raising it, e.g.

    TESSERA_FUZZ_EXAMPLES=200 ./test tests/test_fuzz.py -m fuzz
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.graphql import nodes
from starlette.routing import Route

from domain.access.tokens import create_staff_token
from domain.uow import UnitOfWork
from tessera.app import create_app
from tessera.database import create_engine
from tessera.demo import seed
from tests.support.databases import fresh_database
from tests.support.serving import free_port

EXAMPLES = int(os.environ.get("TESSERA_FUZZ_EXAMPLES", "4"))
CODES = {
    "UNAUTHENTICATED",
    "FORBIDDEN",
    "BAD_USER_INPUT",
    "NOT_FOUND",
    "RATE_LIMITED",
}
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.fuzz

# Text a careless client or an attacker sends: NUL, lone surrogates, control characters.
NASTY_TEXT = st.sampled_from(
    ["", " ", "a\x00b", "\x00", "\ud800", "x\udfff", "\ud83d", "\u202e", "' OR 1=1 --", "%00"]
)
ANY_TEXT = st.text(st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF))
TEXT = st.one_of(st.text(max_size=20), ANY_TEXT, NASTY_TEXT)
EDGE_TIMES = st.sampled_from(
    [
        "0001-01-01T00:00:00+14:00",
        "9999-12-31T23:59:59-14:00",
        "1899-12-31T23:59:59Z",
        "2026-05-01T10:00:00",
        "2026-05-01T10:00:00Z",
    ]
)
BIG_INTS = st.one_of(
    st.integers(-(2**70), 2**70), st.sampled_from([0, -1, 2**31, 2**63, 10**15 + 1])
)
JSON_VALUES = st.recursive(
    st.one_of(st.integers().map(nodes.Int), TEXT.map(nodes.String), st.just(nodes.Null)),
    lambda inner: st.lists(inner, max_size=3).map(nodes.List),
    max_leaves=10,
)


def _scalars() -> None:
    schemathesis.graphql.scalar("String", TEXT.map(nodes.String))
    schemathesis.graphql.scalar(
        "ID", st.one_of(st.integers(-5, 50).map(str), TEXT, st.just("9" * 30)).map(nodes.String)
    )
    schemathesis.graphql.scalar("Money", st.one_of(BIG_INTS.map(nodes.Int), TEXT.map(nodes.String)))
    schemathesis.graphql.scalar("BigInt", BIG_INTS.map(nodes.Int))
    schemathesis.graphql.scalar(
        "Decimal",
        st.one_of(
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
            st.sampled_from(["1.5", "0", "-1", "1e400", "NaN"]),
        ).map(nodes.String),
    )
    schemathesis.graphql.scalar(
        "DateTime",
        st.one_of(st.datetimes().map(lambda d: d.isoformat() + "Z"), EDGE_TIMES, TEXT).map(
            nodes.String
        ),
    )
    schemathesis.graphql.scalar("JSON", JSON_VALUES)


_scalars()


@pytest.fixture(scope="module")
async def fuzz_server(
    postgres_server: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[dict[str, Any]]:
    """`tessera` served by uvicorn in a process of its own, on a fresh database, as deployed
    (no debug); yields its URL, an admin token and its log file."""
    log = tmp_path_factory.mktemp("fuzz") / "server.log"
    async with fresh_database(postgres_server) as database_url:
        # The demo's program and customers, so that ids and codes the fuzzer sends name real
        # rows and arguments reach the code behind the lookups.
        await seed(database_url)
        engine = create_engine(database_url, pool_size=1)
        try:
            token = await create_staff_token(UnitOfWork(engine), "admin", "fuzz")
        finally:
            await engine.dispose()
        port = free_port()
        env = {
            **os.environ,
            "TESSERA_DATABASE_URL": database_url,
            "TESSERA_DEBUG": "false",
            "TESSERA_RATE_LIMIT_VOUCHERS": "1000000/minute",
            "TESSERA_RATE_LIMIT_FAILED_AUTH": "1000000/minute",
        }
        env.pop("TESSERA_BROKER_URL", None)  # counters in memory: the fuzzer owns this server
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "uvicorn", "tessera.app:app_from_env", "--factory",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                cwd=ROOT, env=env, stdout=out, stderr=out,
            )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            await _wait_healthy(url, process)
            yield {"url": url, "token": token, "log": log, "database_url": database_url}
        finally:
            process.terminate()
            await process.wait()


async def _wait_healthy(url: str, process: asyncio.subprocess.Process) -> None:
    deadline = asyncio.get_running_loop().time() + 30
    async with httpx.AsyncClient() as http:
        while True:
            try:
                if (await http.get(f"{url}/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if process.returncode is not None or asyncio.get_running_loop().time() > deadline:
                raise RuntimeError("the fuzzed server did not start")
            await asyncio.sleep(0.1)


def test_no_input_is_a_server_error(fuzz_server: dict[str, Any]) -> None:
    # Given the schema as the server introspects it for an admin
    auth = {"Authorization": f"Bearer {fuzz_server['token']}"}
    api = schemathesis.graphql.from_url(f"{fuzz_server['url']}/graphql", headers=auth)
    results = list(api.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results) > 50
    failures: list[str] = []
    for operation in operations:
        # When each operation is sent with arbitrary arguments, valid and invalid
        strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
        with contextlib.suppress(Exception):  # not every operation has a wrong-typed form
            strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=st.one_of(strategies))
        def fuzz(case: Any) -> None:
            response = case.call(base_url=fuzz_server["url"], headers=auth, timeout=30)
            problem = _problem(response)
            if problem:
                sent = case.body.get("query") if isinstance(case.body, dict) else case.body
                raise AssertionError(f"{problem}\n  sent: {sent!r}\n  got: {response.text[:500]}")

        try:
            fuzz()
        except AssertionError as error:
            failures.append(f"{operation.label}: {error}")
    # Then no answer was a server error, and the server logged no traceback
    log = fuzz_server["log"].read_text(errors="replace")
    assert failures == []
    assert "Traceback" not in log and "Exception in ASGI" not in log, log[-5_000:]


def _problem(response: Any) -> str | None:
    """What is wrong with an answer: a 5xx, a body that is not the API's JSON, an error
    without a known code (INTERNAL_SERVER_ERROR included), or an unexpected status."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}"
    content_type = response.headers.get("content-type")  # schemathesis: a list of values
    if "application/json" not in (content_type or []):
        return f"not JSON ({content_type})"
    for error in response.json().get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code not in CODES:
            return f"error code {code}"
    if response.status_code not in (200, 400, 413, 429):
        return f"HTTP {response.status_code}"
    return None


def other_routes(database_url: str) -> list[tuple[str, str]]:
    """Every route of the app outside /graphql, as (method, path with `{}` where a path
    parameter goes); the console's pages left out (static files: no input reaches the
    database). Read from the app itself, so that a new route is fuzzed too."""
    found = []
    for route in create_app(database_url=database_url).routes:
        if not isinstance(route, Route) or route.path == "/graphql":
            continue
        if route.path.startswith("/console"):
            continue
        template = re.sub(r"\{[^}]*\}", "{}", route.path)
        found += [(method, template) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


# What goes into a URL: ids and codes, escaped NUL, invalid UTF-8 and a lone surrogate.
NASTY_URL_PARTS = ["1", "0", "-1", "9" * 30, "%00", "a%00b", "%ff", "%ED%A0%80", "a.png",
                   "a.svg", "%2e%2e", "x" * 3000]  # fmt: skip
URL_PART = st.one_of(
    st.sampled_from(NASTY_URL_PARTS),
    st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1, max_size=12),
)
PARAMETER = st.sampled_from(
    ["since", "until", "customerId", "minPoints", "maxPoints", "kinds", "reason", "sourceType",
     "by", "first", "months", "fileName", "symbology", "scale"]
)  # fmt: skip
PARAMETER_VALUE = st.one_of(
    URL_PART,
    st.sampled_from(
        ["", "99999999999999999999", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
         "2026-13-45T99:99:99Z", "NaN", "1e400", "SKU", "PURCHASE,MANUAL", "qr", "code128"]
    ),
)  # fmt: skip
BODY = st.one_of(
    st.binary(max_size=300),
    st.sampled_from(
        [b"", b"\x00", b"\xed\xa0\x80", b"{" * 5000, b'{"a":' * 3000, b"null", b"[]",
         b"external_ref,points\n\x00,1\n", b"From=%00&Body=%ff&MessageSid=SM1"]
    ),
)  # fmt: skip
CONTENT_TYPE = st.sampled_from(
    ["", "text/csv", "application/json", "application/x-www-form-urlencoded",
     "multipart/form-data; boundary=x", "text/plain; charset=latin-1"]
)  # fmt: skip


def test_no_request_to_another_route_is_a_server_error(fuzz_server: dict[str, Any]) -> None:
    # Given every route outside /graphql, and an admin token, a wrong one or none
    routes = other_routes(fuzz_server["database_url"])
    assert len(routes) > 15
    auth = f"Bearer {fuzz_server['token']}"
    tokens = st.sampled_from([auth, "Bearer x", ""])

    @settings(
        max_examples=EXAMPLES * 60,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(
        route=st.sampled_from(routes),
        parts=st.lists(URL_PART, min_size=2, max_size=2),
        query=st.lists(st.tuples(PARAMETER, PARAMETER_VALUE), max_size=3),
        body=BODY,
        content_type=CONTENT_TYPE,
        authorization=tokens,
    )
    def fuzz(
        route: tuple[str, str],
        parts: list[str],
        query: list[tuple[str, str]],
        body: bytes,
        content_type: str,
        authorization: str,
    ) -> None:
        method, template = route
        path = template.format(*parts[: template.count("{}")])
        url = f"{fuzz_server['url']}{path}?{'&'.join(f'{k}={v}' for k, v in query)}"
        headers = {"Content-Type": content_type, "Authorization": authorization}
        with httpx.Client(timeout=30) as http:
            answer = http.request(method, url, headers=headers, content=body or None)
        # When it is sent, then the answer is no server error
        assert answer.status_code < 500, f"{method} {url}: HTTP {answer.status_code}"

    # When every route is sent each strange URL part, then arbitrary requests
    with httpx.Client(base_url=fuzz_server["url"], timeout=30) as http:
        for (method, template), part in itertools.product(routes, NASTY_URL_PARTS):
            path = template.format(*[part] * template.count("{}"))
            answer = http.request(method, path, headers={"Authorization": auth}, content=b"{}")
            assert answer.status_code < 500, f"{method} {path}: HTTP {answer.status_code}"
    fuzz()
    log = fuzz_server["log"].read_text(errors="replace")
    assert "Traceback" not in log and "Exception in ASGI" not in log, log[-5_000:]
