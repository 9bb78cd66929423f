"""What the engine lets the other funnels packages embed in their own statements: its
enrollments seen through fragments, never by the table's name (tests/test_ownership.py)."""

from __future__ import annotations


def holds_active_enrollments_sql(funnel_id: str, version: str) -> str:
    """Whether the version `version` of the funnel `funnel_id` (SQL expressions: columns of
    the enclosing statement, or parameters) has ACTIVE enrollments, customers still inside
    it (a boolean expression; the (funnel, customer, entry) key's index finds them)."""
    return (
        f"EXISTS (SELECT 1 FROM funnel_enrollments WHERE funnel_id = {funnel_id}"
        f" AND version = {version} AND status = 'ACTIVE')"
    )
