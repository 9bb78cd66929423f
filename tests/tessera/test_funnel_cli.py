"""Given definition files and a database, when `tessera funnel validate | apply | export`
run, then problems are printed as `path: reason` with exit 1, files become funnels and
versions, and an exported file applied again changes nothing."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.queries import versions_of
from tessera import cli, funnel_filters
from tessera.funnel_files import FileUnreadable, load_file
from tests.funnels.definitions.support import check_filter, seed_references, welcome

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def setup(
    clean_db: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    monkeypatch.setenv("TESSERA_DATABASE_URL", database_url)
    # The CLI's filter checker, as the composition root will wire funnels.segments'
    monkeypatch.setattr(funnel_filters, "CHECK_FILTER", check_filter)
    return await seed_references(clean_db)


async def tessera(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = await asyncio.to_thread(cli.main, list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def definition(batch: str, **changes: Any) -> dict[str, Any]:
    raw = welcome(**changes)
    raw["steps"][5]["voucherBatch"] = batch
    return raw


async def test_validate_apply_export_round_trip(
    setup: dict[str, str],
    clean_db: AsyncEngine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a YAML file with two mistakes, validate prints both on their paths, exit 1
    wrong = definition(setup["batch"])
    wrong["steps"][1]["points"] = -5
    wrong["steps"][2]["template"] = "missing"
    path = tmp_path / "welcome.yaml"
    path.write_text(yaml.safe_dump(wrong, sort_keys=False))
    code, out = await tessera(capsys, "funnel", "validate", str(path))
    assert (code, out) == (1, "steps[1].points: Points must be positive.\n")
    wrong["steps"][1]["points"] = 5
    path.write_text(yaml.safe_dump(wrong, sort_keys=False))
    code, out = await tessera(capsys, "funnel", "validate", str(path))
    assert (code, out) == (1, "steps[2].template: No template is named 'missing'.\n")
    # When it is right, apply creates the funnel; applying it again changes nothing
    path.write_text(yaml.safe_dump(definition(setup["batch"]), sort_keys=False))
    assert await tessera(capsys, "funnel", "validate", str(path)) == (0, f"{path}: valid\n")
    assert await tessera(capsys, "funnel", "apply", str(path)) == (
        0,
        "funnel 1 created version 1\n",
    )
    assert await tessera(capsys, "funnel", "apply", str(path)) == (
        0,
        "funnel 1 unchanged: version 1\n",
    )
    # A JSON file of the same name with a change is saved as version 2
    changed = definition(setup["batch"], description="Now in JSON")
    json_path = tmp_path / "welcome.json"
    json_path.write_text(json.dumps(changed))
    assert await tessera(capsys, "funnel", "apply", str(json_path)) == (
        0,
        "funnel 1 saved version 2\n",
    )
    # Then each export, applied again, changes nothing
    for file_format in ("yaml", "json"):
        code, exported = await tessera(capsys, "funnel", "export", "1", "--format", file_format)
        assert code == 0
        again = tmp_path / f"exported.{file_format}"
        again.write_text(exported)
        assert await tessera(capsys, "funnel", "apply", str(again)) == (
            0,
            "funnel 1 unchanged: version 2\n",
        )
    code, first = await tessera(capsys, "funnel", "export", "1", "--version", "1")
    assert code == 0 and "Now in JSON" not in first and "yes: done" in first.replace("'", "")
    assert len((await versions_of(UnitOfWork(clean_db), [1]))[1]) == 2
    assert (await tessera(capsys, "funnel", "export", "7"))[0] == 2


async def test_unreadable_files(
    setup: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    code, out = await tessera(capsys, "funnel", "validate", str(broken))
    assert code == 2 and "not valid YAML" in out
    code, out = await tessera(capsys, "funnel", "apply", str(tmp_path / "absent.json"))
    assert code == 2
    rooted = tmp_path / "list.json"
    rooted.write_text("[1, 2]")
    assert await tessera(capsys, "funnel", "apply", str(rooted)) == (
        1,
        "(definition): Expected an object, got a list.\n",
    )


def test_yaml_is_read_with_json_scalars(tmp_path: Path) -> None:
    # yes/no are keys, 9:00 is text, dates stay text
    path = tmp_path / "f.yml"
    path.write_text("yes: a\nno: b\nat: 9:00\nday: 2026-12-24\non: true\nn: 010\n")
    assert load_file(path) == {
        "yes": "a",
        "no": "b",
        "at": "9:00",
        "day": "2026-12-24",
        "on": True,
        "n": "010",
    }
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(
        "a: &a [x, x, x, x, x, x, x, x, x]\n"
        + "".join(
            f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            for p, c in zip("abcdefgh", "bcdefghi", strict=True)
        )
    )
    from funnels.definitions.parsing import parse_definition

    assert parse_definition(load_file(bomb), check_filter)[1][0].code.value == "OUT_OF_RANGE"
    with pytest.raises(FileUnreadable):
        load_file(tmp_path / "missing.yaml")


async def test_the_installed_command_runs_end_to_end(
    database_url: str, clean_db: AsyncEngine, tmp_path: Path
) -> None:
    # Given the real composition: filters checked by funnels.segments, which knows no
    # hasPurchased condition (the test double's)
    path = tmp_path / "f.json"
    path.write_text(json.dumps(welcome()))
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tessera.cli",
        "funnel",
        "validate",
        str(path),
        stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "TESSERA_DATABASE_URL": database_url},
        cwd=ROOT,
    )
    out, _ = await process.communicate()
    assert process.returncode == 1
    assert out.decode().splitlines()[0].startswith("steps[4].filter.hasPurchased: Unknown")
