"""Given every table of the metadata, when the data-request parts are read, then every table
holding a customer's rows is exported (and so erased where it holds personal data): a new
table with a customer_id fails here until its area adds it to its part."""

from __future__ import annotations

import domain.tables
import funnels.tables
import notifications.tables
from data_protection.parts import PARTS
from domain.metadata import metadata

_ALL = (domain.tables, funnels.tables, notifications.tables)  # every table in the metadata


def test_every_table_holding_a_customer_id_is_covered_by_a_part() -> None:
    holding = {name for name, table in metadata.tables.items() if "customer_id" in table.c}
    covered = {table.name for part in PARTS for table in part.tables}

    assert sorted(holding - covered) == []
    assert "customers" in covered


def test_each_table_is_covered_by_one_part_and_each_area_named_once() -> None:
    tables = [table.name for part in PARTS for table in part.tables]
    areas = [part.area for part in PARTS]

    assert len(tables) == len(set(tables))
    assert len(areas) == len(set(areas))
