"""Badges: points ranges that unlock and keep a badge, kept in step with every balance."""
