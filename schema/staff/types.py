"""Sessions and the caller as GraphQL types, with the role and permission enums."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.access.permissions import ROLE_PERMISSIONS, Permission, Role
from domain.access.principals import Credential, Staff
from domain.staff.sign_in import SignedIn

StaffRole = strawberry.enum(
    Role, name="StaffRole", description="A staff role; docs/security.md tabulates what it grants."
)
PermissionEnum = strawberry.enum(
    Permission, name="Permission", description="What a role may do; each guards fields."
)
CredentialKind = strawberry.enum(
    Credential, name="CredentialKind", description="What a staff caller authenticated with."
)


def permissions_of(role: Role) -> list[Permission]:
    """The role's permissions in the enum's order (a stable list for the console)."""
    granted = ROLE_PERMISSIONS[role]
    return [p for p in Permission if p in granted]


@strawberry.type(name="StaffSession", description="A console session opened by `login`.")
class StaffSessionType:
    token: str = strawberry.field(
        description="Send it as 'Authorization: Bearer <token>'. Shown once; keep it secret."
    )
    expires_at: datetime = strawberry.field(
        description="When the session ends however much it is used (its maximum age)."
    )
    idle_timeout_s: int = strawberry.field(
        description="Seconds without a request after which the session ends."
    )
    role: StaffRole  # type: ignore[valid-type]
    permissions: list[PermissionEnum] = strawberry.field(  # type: ignore[valid-type]
        description="What the role may do: show the console only what it may use."
    )
    email: str

    @classmethod
    def of(cls, signed: SignedIn) -> StaffSessionType:
        return cls(
            token=signed.token,
            expires_at=signed.expires_at,
            idle_timeout_s=signed.idle_timeout_s,
            role=signed.role,
            permissions=permissions_of(signed.role),
            email=signed.email,
        )


@strawberry.type(name="Viewer", description="The staff caller of this request.")
class ViewerType:
    kind: CredentialKind  # type: ignore[valid-type]
    name: str = strawberry.field(description="The API token's name, or the user's email.")
    email: str | None = strawberry.field(description="The signed-in user's (sessions only).")
    role: StaffRole  # type: ignore[valid-type]
    permissions: list[PermissionEnum] = strawberry.field(  # type: ignore[valid-type]
        description="What the role may do: show the console only what it may use."
    )

    @classmethod
    def of(cls, staff: Staff) -> ViewerType:
        kind = staff.credential
        return cls(
            kind=kind,
            name=staff.name,
            email=staff.name if kind is Credential.SESSION else None,
            role=staff.role,
            permissions=permissions_of(staff.role),
        )
