"""The schema as a module attribute, for `strawberry export-schema schema.export:schema`."""

from __future__ import annotations

from schema.root import build_schema

schema = build_schema()
