"""Tessera's tests: a package, so that modules import as `tests.<path>` and may share names."""
