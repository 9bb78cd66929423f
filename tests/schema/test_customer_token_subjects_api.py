"""A customer token's `sub` is the customer's external reference, read from a JWT the shop's
login signed: a subject no external reference can be (NUL, a lone surrogate, longer than
any reference) is a token that does not verify (401), never an error of the database."""

from __future__ import annotations

import time

import jwt
import pytest

from tests.support.api import TEST_JWT_SECRET, GraphQLClient

ME = "query { me { id } }"


def _token_with_raw_subject(subject_json: str) -> str:
    """A signed HS256 JWT whose payload's `sub` is the JSON text given (escapes kept)."""
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}')
    exp = int(time.time()) + 600
    payload = jwt.utils.base64url_encode(f'{{"sub":{subject_json},"exp":{exp}}}'.encode())
    signing_input = header + b"." + payload
    signature = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(
        signing_input, TEST_JWT_SECRET.encode()
    )
    return (signing_input + b"." + jwt.utils.base64url_encode(signature)).decode()


@pytest.mark.parametrize(
    "subject",
    [r'"ann\u0000"', r'"\ud800"', '"' + "a" * 5000 + '"'],
    ids=["nul", "lone-surrogate", "too-long"],
)
async def test_a_subject_no_reference_can_be_is_refused_as_a_token(
    gql: GraphQLClient, subject: str
) -> None:
    body = await gql.as_(_token_with_raw_subject(subject)).post(ME)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", body
