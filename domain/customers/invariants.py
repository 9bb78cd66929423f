"""Invariants of customers, as named checks (like the ledger's): an erased customer keeps
no personal data (domain/data_requests: erasure anonymizes in place)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ledger.invariants import Check, violation_rows


async def erased_customers_hold_no_personal_data(conn: AsyncConnection) -> list[str]:
    """An erased customer has no email, phone, name, birth date, locale, time zone or
    attributes, no consent, no idempotency key or request fingerprint (a platform's key
    holds an email), and the erased external ref (erased:<id>)."""
    return await violation_rows(
        conn,
        """
        SELECT format('customer %s: erased at %s but holds personal data', id, erased_at)
          FROM customers
         WHERE erased_at IS NOT NULL
           AND (email IS NOT NULL OR phone IS NOT NULL OR first_name IS NOT NULL
                OR last_name IS NOT NULL OR birth_date IS NOT NULL OR locale IS NOT NULL
                OR time_zone IS NOT NULL OR attributes <> '{}'::jsonb
                OR consent_email OR consent_sms OR idempotency_key IS NOT NULL
                OR request_digest IS NOT NULL
                OR external_ref IS DISTINCT FROM 'erased:' || id)""",
    )


CHECKS: tuple[Check, ...] = (erased_customers_hold_no_personal_data,)
