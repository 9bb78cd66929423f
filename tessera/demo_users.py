"""The demo's staff users, one per role, who sign in to the console with one password."""

from __future__ import annotations

from domain.access.permissions import Role
from domain.staff.passwords import Passwords
from domain.staff.users import ensure_user
from domain.uow import UnitOfWork
from tessera.database import create_engine

# Printed by `tessera demo`; a demo's, never a shop's.
DEMO_PASSWORD = "tessera-demo-pass"
DEMO_USER_DOMAIN = "demo.tessera"
DEMO_USERS = tuple((f"{role.value}@{DEMO_USER_DOMAIN}", role) for role in Role)


async def ensure_demo_users(url: str) -> list[str]:
    """Create the demo users that are missing (admin@demo.tessera, manager@, cashier@,
    marketer@, viewer@, with DEMO_PASSWORD); those there already are left as they are, so
    a run makes no duplicates. The addresses created, in role order."""
    engine = create_engine(url, pool_size=1)
    passwords = Passwords()
    try:
        return [
            email
            for email, role in DEMO_USERS
            if await ensure_user(UnitOfWork(engine), email, role, DEMO_PASSWORD, passwords)
        ]
    finally:
        await engine.dispose()
