"""Promotions: time windows that multiply what purchases earn (double points days)."""
