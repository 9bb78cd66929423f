"""The login input."""

from __future__ import annotations

import strawberry


@strawberry.input
class LoginInput:
    email: str = strawberry.field(description="The staff user's address, in any case.")
    password: str = strawberry.field(description="At most 1024 characters.")
