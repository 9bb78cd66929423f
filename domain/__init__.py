"""Tessera's business rules and persistence. Imports nothing from schema/, funnels/,
notifications/ or tessera/."""
