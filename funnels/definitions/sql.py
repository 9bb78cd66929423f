"""What funnels.definitions lets the engine embed in its own statements: the funnels seen
through fragments, never by the table's name (tests/test_ownership.py)."""

from __future__ import annotations

# The ids of the ACTIVE funnels (those whose enrollments move on), as a relation: a plain
# subquery PostgreSQL pulls up into the enclosing statement (a semi-join on a few rows).
ACTIVE_FUNNEL_IDS = "SELECT id FROM funnels WHERE status = 'ACTIVE'"

# Every version of every funnel, with its funnel's name, status and current version:
# funnel_id, name, status, current_version, version, definition (as saved, JSON).
FUNNEL_VERSIONS = """
    SELECT f.id AS funnel_id, f.name, f.status, f.current_version, v.version, v.definition
      FROM funnels f JOIN funnel_versions v ON v.funnel_id = f.id"""
