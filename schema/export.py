"""The schema as a module attribute, and its SDL on stdout.

Regenerate the committed contract with
`.venv/bin/python -m schema.export > frontend-contract/schema.graphql`."""

from __future__ import annotations

from schema.root import build_schema

schema = build_schema()

if __name__ == "__main__":
    print(schema.as_str())
