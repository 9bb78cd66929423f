"""Badges: their definitions, and the badges each customer holds."""
