"""The caller of a request: anonymous, staff (an API token or a signed-in staff user), or a
customer."""

from __future__ import annotations

import enum
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


class Credential(enum.Enum):
    """What a staff caller authenticated with."""

    API_TOKEN = "API_TOKEN"  # from `tessera token create`: machines, scripts
    SESSION = "SESSION"  # from the `login` mutation: a staff user in the console


@dataclass(frozen=True)
class Staff:
    """A staff caller. Its role's permissions apply the same whatever the credential."""

    credential_id: int  # the API token's id, or the session's
    name: str  # the token's name, or the signed-in user's email
    role: Role
    user_id: int | None = None  # the signed-in staff user (sessions only)

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    @property
    def credential(self) -> Credential:
        return Credential.API_TOKEN if self.user_id is None else Credential.SESSION

    @property
    def actor(self) -> str:
        """Who did it, as the ledger and the audit trails record it: the token
        (`staff:<token id>:<name>`) or the user (`user:<user id>:<email>`), whichever
        session it signed in with."""
        if self.user_id is not None:
            return f"user:{self.user_id}:{self.name}"
        return f"staff:{self.credential_id}:{self.name}"


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
