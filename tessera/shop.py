"""The shop every message speaks for, from the settings: its name and currency, and what
links are built from (the public URL, the link secret)."""

from __future__ import annotations

from notifications.dispatch.composing import Shop
from tessera.settings import Settings


def shop_of(settings: Settings) -> Shop:
    return Shop(
        name=settings.shop_name,
        currency=settings.currency,
        public_url=settings.public_url,
        link_secret=settings.link_secret,
    )
