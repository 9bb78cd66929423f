"""Given the YAML examples of docs/funnels.md (a welcome series, a birthday campaign), when
they are read as the CLI reads files and validated against a database holding what they
name, with the real segment-filter checker, then they are valid definitions."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from domain.uow import UnitOfWork
from funnels.definitions.entry import ScheduleTrigger
from funnels.definitions.services import validate_funnel
from funnels.segments import check_filter
from tessera.funnel_files import load_file
from tests.funnels.definitions.support import seed_references

PAGE = Path(__file__).resolve().parents[3] / "docs" / "funnels.md"


def examples() -> list[str]:
    blocks = re.findall(r"(?ms)^```yaml\n(.*?)^```", PAGE.read_text())
    return [b for b in blocks if b.startswith("name: ")]


async def test_the_docs_examples_are_valid(clean_db: AsyncEngine, tmp_path: Path) -> None:
    batch = (await seed_references(clean_db))["batch"]
    texts = examples()
    assert len(texts) == 2
    names = []
    for number, text in enumerate(texts):
        path = tmp_path / f"example{number}.yaml"
        path.write_text(text)
        raw = load_file(path)
        assert isinstance(raw, dict)
        for step in raw["steps"]:
            if step["type"] == "issueVoucher":
                step["voucherBatch"] = batch
        definition, problems = await validate_funnel(UnitOfWork(clean_db), raw, check_filter)
        assert problems == [], (path, problems)
        assert definition is not None
        names.append(definition.name)
        if definition.name == "Birthday campaign":
            assert definition.entry.trigger == ScheduleTrigger("0 9 * * *", "Europe/Rome")
    assert names == ["Welcome series", "Birthday campaign"]
