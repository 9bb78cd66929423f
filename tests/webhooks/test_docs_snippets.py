"""Given the verification snippets of docs/webhooks.md (two in Python, one in Node.js), when
each is run on a delivery Tessera signed, then it returns the event; on a body changed by
one byte, a wrong secret or an old timestamp, it refuses."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from domain.webhooks.models import new_secret
from webhooks.signing import body_of, signed_headers

PAGE = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
BLOCK = re.compile(r"```(python|javascript)\n(.*?)```", re.DOTALL)
Verify = Callable[[str, dict[str, str], bytes], Any]


def snippets(language: str) -> list[str]:
    return [code for lang, code in BLOCK.findall(PAGE.read_text()) if lang == language]


def delivery(secret: str, at: datetime | None = None) -> tuple[dict[str, str], bytes]:
    body = body_of("POINTS_EARNED", datetime.now(UTC), 42, {"entry_id": 7, "points": 120})
    return signed_headers(secret, 9, body, at or datetime.now(UTC)), body


def python_verifiers() -> list[Verify]:
    found = []
    for code in snippets("python"):
        namespace: dict[str, Any] = {}
        exec(compile(code, str(PAGE), "exec"), namespace)
        found.append(namespace["verified_event"])
    return found


def test_the_page_has_two_python_snippets_and_one_javascript() -> None:
    assert (len(snippets("python")), len(snippets("javascript"))) == (2, 1)


@pytest.mark.parametrize("verify", python_verifiers())
def test_the_python_snippets_accept_a_genuine_delivery_and_nothing_else(verify: Verify) -> None:
    secret = new_secret()
    headers, body = delivery(secret)
    event = verify(secret, headers, body)
    assert event["type"] == "POINTS_EARNED" and event["data"]["customer_id"] == 42
    old_headers, old_body = delivery(secret, datetime.now(UTC) - timedelta(minutes=10))
    for wrong in (
        (secret, headers, body.replace(b"120", b"920")),
        (new_secret(), headers, body),
        (secret, old_headers, old_body),
    ):
        with pytest.raises(Exception):  # noqa: B017 (each snippet raises its own error)
            verify(*wrong)


DRIVER = """
const { verifiedEvent } = require("./verify.js");
const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const results = cases.map(([secret, headers, body]) => {
  try { return verifiedEvent(secret, headers, Buffer.from(body, "utf8")).type; }
  catch (error) { return "refused"; }
});
console.log(JSON.stringify(results));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_javascript_snippet_accepts_a_genuine_delivery_and_nothing_else(
    tmp_path: Path,
) -> None:
    (tmp_path / "verify.js").write_text(snippets("javascript")[0])
    (tmp_path / "driver.js").write_text(DRIVER)
    secret = new_secret()
    headers, body = delivery(secret)
    old_headers, old_body = delivery(secret, datetime.now(UTC) - timedelta(minutes=10))
    cases = [
        (secret, headers, body.decode()),
        (secret, headers, body.decode().replace("120", "920")),
        (new_secret(), headers, body.decode()),
        (secret, old_headers, old_body.decode()),
    ]
    run = subprocess.run(
        ["node", "driver.js"], cwd=tmp_path, input=json.dumps(cases), capture_output=True,
        text=True, timeout=30, check=True,
    )  # fmt: skip
    assert json.loads(run.stdout) == ["POINTS_EARNED", "refused", "refused", "refused"]
