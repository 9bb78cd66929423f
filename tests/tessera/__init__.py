"""Tests of the composition root (`tessera/`)."""
