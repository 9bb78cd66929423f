"""The caller of a request: anonymous, a staff token, or a customer."""

from __future__ import annotations

from dataclasses import dataclass

from domain.access.permissions import ROLE_PERMISSIONS, Permission, Role


@dataclass(frozen=True)
class Anonymous:
    """No credentials, or credentials that did not verify (`reason` says why)."""

    reason: str | None = None

    def can(self, permission: Permission) -> bool:
        return False

    @property
    def actor(self) -> str:
        return "anonymous"


@dataclass(frozen=True)
class Staff:
    token_id: int
    name: str
    role: Role

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    @property
    def actor(self) -> str:
        return f"staff:{self.token_id}:{self.name}"


@dataclass(frozen=True)
class CustomerPrincipal:
    """A customer app's caller; it may read its own customer (`me`) and nothing else."""

    external_ref: str

    def can(self, permission: Permission) -> bool:
        return False

    @property
    def actor(self) -> str:
        return f"customer:{self.external_ref}"


Principal = Anonymous | Staff | CustomerPrincipal
