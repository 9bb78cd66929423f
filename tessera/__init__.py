"""Tessera's composition root: settings, engines, the Starlette app and the CLI."""
