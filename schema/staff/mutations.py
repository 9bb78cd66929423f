"""Signing in and out of the console."""

from __future__ import annotations

import strawberry

from domain.access.principals import Staff
from domain.errors import DomainError
from domain.staff.sessions import sign_out
from domain.staff.sign_in import InvalidCredentials, TooManyAttempts, sign_in
from schema.context import Info
from schema.errors import UserError, payload_on_error, user_errors
from schema.permissions import IsStaff
from schema.staff.inputs import LoginInput
from schema.staff.types import StaffSessionType
from schema.throttle import SignInAttempts, ThrottleRule


@strawberry.type
class LoginPayload:
    session: StaffSessionType | None = None
    retry_after_s: int | None = strawberry.field(
        default=None,
        description="With TOO_MANY_ATTEMPTS: seconds until this email may be tried again.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class LogoutPayload:
    signed_out: bool = strawberry.field(
        default=False, description="Whether this call ended the caller's session."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class StaffMutations:
    @strawberry.mutation(
        permission_classes=[SignInAttempts],
        description="Sign a staff user in: a session token for 'Authorization: Bearer'. The "
        "one operation open to callers without a token. INVALID_CREDENTIALS alike for an "
        "unknown email, a wrong password and a disabled user; after 5 failures in a row "
        "the email is locked (TOO_MANY_ATTEMPTS, retryAfterS) for 30 s, doubled by each "
        "further failure up to 15 min. A client address past the failed-authentication "
        "limit is refused (RATE_LIMITED, HTTP 429).",
    )
    async def login(self, info: Info, input: LoginInput) -> LoginPayload:
        context = info.context
        try:
            signed = await sign_in(
                context.new_uow(), input.email, input.password, context.staff_sign_in
            )
        except TooManyAttempts as error:
            return LoginPayload(user_errors=user_errors(error), retry_after_s=error.retry_after_s)
        except InvalidCredentials as error:
            await context.throttle.hit(
                ThrottleRule.FAILED_AUTHENTICATION, f"address:{context.client_address}"
            )
            return LoginPayload(user_errors=user_errors(error))
        except DomainError as error:
            return LoginPayload(user_errors=user_errors(error))
        return LoginPayload(session=StaffSessionType.of(signed))

    @strawberry.mutation(
        permission_classes=[IsStaff],
        description="End the caller's session at once (the token is refused from then on). "
        "An API token is not a session: a user error, and nothing is revoked.",
    )
    @payload_on_error(LogoutPayload)
    async def logout(self, info: Info) -> LogoutPayload:
        context = info.context
        principal = context.principal
        assert isinstance(principal, Staff)
        ended = await sign_out(context.new_uow(), principal, context.staff_sign_in.sessions.clock())
        context.forget_session(principal.credential_id)
        return LogoutPayload(signed_out=ended)
