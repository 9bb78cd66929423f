"""Fidelity cards: the series they are issued in, each card's code, type and status."""
