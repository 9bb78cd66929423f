"""Turning domain events into messages after commit (the dispatcher and its reactions)."""
