"""A shop's connections to platforms: set up (or changed) under an idempotency key, read by
the webhook endpoints, and how a delivery proves it comes from the platform: WooCommerce
and Shopify sign the raw body (base64 HMAC-SHA256 with the shop's secret); Dolibarr cannot
sign, so its URL carries a random token, stored only as its SHA-256 and compared in
constant time. Setting up a Dolibarr connection, or rotating its token, gives the token
once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert

from domain.commands import Command, run
from domain.errors import DomainError, ErrorCode, Problems
from domain.idempotency import require_same
from domain.integrations.changes import MAPPED
from domain.integrations.tables import PLATFORMS, platform_connections
from domain.uow import UnitOfWork
from domain.validation import required_text

MIN_SECRET = 16
MAX_SECRET = 200
MAX_STATUSES = 50


@dataclass(frozen=True)
class Connection:
    shop: str
    platform: str
    secret: str | None
    token_sha256: str | None
    status_map: dict[str, str]
    create_customers: bool
    active: bool

    def signed(self, body: bytes, signature: str | None) -> bool:
        """Whether `signature` is the body's base64 HMAC-SHA256 under the shop's secret."""
        if self.secret is None or not signature:
            return False
        digest = hmac.new(self.secret.encode(), body, hashlib.sha256).digest()
        return hmac.compare_digest(base64.b64encode(digest), signature.strip().encode())

    def token_matches(self, token: str) -> bool:
        """Whether `token` is the Dolibarr connection's (constant time on its digest)."""
        if self.token_sha256 is None:
            return False
        given = hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()
        return hmac.compare_digest(given, self.token_sha256)


def _connection(row: Any) -> Connection:
    return Connection(
        row.shop,
        row.platform,
        row.secret,
        row.token_sha256,
        dict(row.status_map),
        row.create_customers,
        row.active,
    )


async def connection(uow: UnitOfWork, shop: str, platform: str) -> Connection | None:
    """The shop's active connection to the platform, if any."""
    query = select(platform_connections).where(
        platform_connections.c.shop == shop,
        platform_connections.c.platform == platform,
        platform_connections.c.active,
    )
    async with uow:
        row = (await uow.execute(query)).one_or_none()
    return _connection(row) if row else None


async def connections(uow: UnitOfWork) -> list[Connection]:
    """Every connection, by shop then platform."""
    query = select(platform_connections).order_by(
        platform_connections.c.shop, platform_connections.c.platform
    )
    async with uow:
        return [_connection(r) for r in (await uow.execute(query)).all()]


@dataclass(frozen=True)
class ConnectionSetUp:
    connection: Connection
    token: str | None  # Dolibarr's URL token, given once (None on a replay)
    replayed: bool = False


@dataclass(frozen=True)
class _Connect(Command[ConnectionSetUp]):
    values: dict[str, Any]
    key: str
    key_constraints = ("uq_platform_connections_idempotency_key",)

    async def handle(self, uow: UnitOfWork) -> ConnectionSetUp:
        # Calls under one key take turns, and a replay is answered before anything changes
        # (the upsert's own key would not tell a replay from a change of the same row).
        await uow.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": self.key})
        earlier = await self.replay(uow)
        if earlier is not None:
            return earlier
        token = secrets.token_urlsafe(32) if self.values["platform"] == "DOLIBARR" else None
        values = {**self.values, "idempotency_key": self.key}
        if token is not None:
            values["token_sha256"] = hashlib.sha256(token.encode()).hexdigest()
        changed = {k: v for k, v in values.items() if k not in ("shop", "platform")}
        row = (
            await uow.execute(
                insert(platform_connections)
                .values(values)
                .on_conflict_do_update(
                    index_elements=["shop", "platform"],
                    set_={**changed, "updated_at": func.now()},
                )
                .returning(platform_connections)
            )
        ).one()
        return ConnectionSetUp(_connection(row), token)

    async def replay(self, uow: UnitOfWork) -> ConnectionSetUp | None:
        query = select(platform_connections).where(
            platform_connections.c.idempotency_key == self.key
        )
        row = (await uow.execute(query)).one_or_none()
        if row is None:
            return None
        # Only this command writes these columns, and a call under another key takes the
        # row's key: the row under this key holds what the key's first call asked.
        stored = {name: row._mapping[name] for name in self.values}
        require_same(stored, self.values, "platform connection")
        return ConnectionSetUp(_connection(row), None, replayed=True)


async def connect_platform(
    uow: UnitOfWork,
    shop: str,
    platform: str,
    secret: str | None,
    status_map: Mapping[str, str],
    create_customers: bool,
    active: bool,
    idempotency_key: str,
) -> ConnectionSetUp:
    """Set up the shop's connection to the platform, or change it (a Dolibarr connection
    gets a new token each time: the result gives it once)."""
    problems = Problems()
    clean_shop = required_text(problems, "shop", shop, 100)
    key = required_text(problems, "idempotencyKey", idempotency_key)
    if platform not in PLATFORMS:
        problems.add("platform", ErrorCode.INVALID, f"One of {', '.join(PLATFORMS)}.")
    if platform == "DOLIBARR":
        if secret is not None:
            problems.add("secret", ErrorCode.INVALID, "Dolibarr cannot sign: it gets a token.")
    elif secret is None or not MIN_SECRET <= len(secret) <= MAX_SECRET:
        problems.add(
            "secret",
            ErrorCode.INVALID,
            f"The secret the platform signs with: {MIN_SECRET} to {MAX_SECRET} characters.",
        )
    statuses = _status_map(problems, status_map)
    problems.raise_if_any()
    values = {
        "shop": clean_shop,
        "platform": platform,
        "secret": secret if platform != "DOLIBARR" else None,
        "status_map": statuses,
        "create_customers": create_customers,
        "active": active,
    }
    return await run(uow, _Connect(values, key))


def _status_map(problems: Problems, status_map: Mapping[str, str]) -> dict[str, str]:
    if len(status_map) > MAX_STATUSES:
        problems.add("statusMap", ErrorCode.OUT_OF_RANGE, f"At most {MAX_STATUSES} statuses.")
        return {}
    clean = {}
    for i, (status, mapped) in enumerate(status_map.items()):
        name = required_text(problems, f"statusMap.{i}.platformStatus", status, 50)
        if mapped not in MAPPED:
            problems.add(f"statusMap.{i}.mapsTo", ErrorCode.INVALID, f"One of {', '.join(MAPPED)}.")
        clean[name] = mapped
    return clean


@dataclass(frozen=True)
class _Rotate(Command[str]):
    shop: str

    async def handle(self, uow: UnitOfWork) -> str:
        token = secrets.token_urlsafe(32)
        found = await uow.execute(
            update(platform_connections)
            .where(
                platform_connections.c.shop == self.shop,
                platform_connections.c.platform == "DOLIBARR",
            )
            .values(token_sha256=hashlib.sha256(token.encode()).hexdigest(), updated_at=func.now())
            .returning(platform_connections.c.shop)
        )
        if found.first() is None:
            raise DomainError.one("shop", ErrorCode.NOT_FOUND, "No Dolibarr connection.")
        return token


async def rotate_dolibarr_token(uow: UnitOfWork, shop: str) -> str:
    """A new token for the shop's Dolibarr URL (the old one is refused from now on)."""
    problems = Problems()
    clean = required_text(problems, "shop", shop, 100)
    problems.raise_if_any()
    return await run(uow, _Rotate(clean))
