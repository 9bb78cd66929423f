"""Who the caller is, for the console to show only what its role may do."""

from __future__ import annotations

import strawberry

from domain.access.principals import Staff
from schema.context import Info
from schema.permissions import IsStaff
from schema.staff.types import ViewerType


@strawberry.type
class StaffQueries:
    @strawberry.field(
        permission_classes=[IsStaff],
        description="The staff caller (an API token or a signed-in user), its role and the "
        "permissions the role grants. Customer tokens are refused (FORBIDDEN).",
    )
    def viewer(self, info: Info) -> ViewerType:
        principal = info.context.principal
        assert isinstance(principal, Staff)
        return ViewerType.of(principal)
