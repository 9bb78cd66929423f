"""Permission classes declared on fields: who may call what."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from domain.access.permissions import Permission
from domain.access.principals import Anonymous, CustomerPrincipal, Staff
from schema.context import Info
from schema.errors import client_error


def _refuse(info: Info, permission: Permission | None) -> None:
    principal = info.context.principal
    if isinstance(principal, Anonymous):
        why = f" ({principal.reason})" if principal.reason else ""
        raise client_error(
            f"Authentication required: send 'Authorization: Bearer <token>'{why}.",
            "UNAUTHENTICATED",
        )
    needed = f" (needs {permission.value})" if permission else ""
    raise client_error(f"Not allowed for this caller{needed}.", "FORBIDDEN")


def requires(permission: Permission) -> type[BasePermission]:
    """A permission class letting through staff whose role grants `permission`."""

    class Requires(BasePermission):
        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            if not info.context.principal.can(permission):
                _refuse(info, permission)
            return True

    Requires.__name__ = f"Requires{permission.value.title().replace('_', '')}"
    return Requires


class IsStaff(BasePermission):
    """A staff caller, whatever its role: an API token or a signed-in user."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not isinstance(info.context.principal, Staff):
            _refuse(info, None)
        return True


class IsCustomer(BasePermission):
    """A customer app's caller (a customer JWT)."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not isinstance(info.context.principal, CustomerPrincipal):
            _refuse(info, None)
        return True


class IsSignedIn(BasePermission):
    """Any caller with a token: staff, whatever its role, or a customer."""

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        if not isinstance(info.context.principal, Staff | CustomerPrincipal):
            _refuse(info, None)
        return True


def can_see_customer(info: Info, external_ref: str | None, permission: Permission) -> bool:
    principal = info.context.principal
    if isinstance(principal, Staff):
        return principal.can(permission)
    if isinstance(principal, CustomerPrincipal):
        return external_ref is not None and principal.external_ref == external_ref
    return False


def owner_or(permission: Permission) -> type[BasePermission]:
    """On Customer fields: staff with `permission`, or the customer itself."""

    class OwnerOr(BasePermission):
        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            if not can_see_customer(info, getattr(source, "external_ref", None), permission):
                _refuse(info, permission)
            return True

    OwnerOr.__name__ = f"OwnerOr{permission.value.title().replace('_', '')}"
    return OwnerOr


def customer_or(permission: Permission) -> type[BasePermission]:
    """A customer caller, or staff with `permission`. What a customer may reach beyond that
    (itself only) the domain decides (domain.access.acting)."""

    class CustomerOr(BasePermission):
        def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
            principal = info.context.principal
            if not (isinstance(principal, CustomerPrincipal) or principal.can(permission)):
                _refuse(info, permission)
            return True

    CustomerOr.__name__ = f"CustomerOr{permission.value.title().replace('_', '')}"
    return CustomerOr
