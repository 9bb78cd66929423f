"""Numeric bounds that keep every points and money figure inside what the API can return."""

from __future__ import annotations

from datetime import UTC, datetime

# One operation's points must fit a GraphQL Int (signed 32-bit); we keep well inside it.
MAX_POINTS_PER_OPERATION = 1_000_000_000
# No balance may exceed this, so that balance fields always fit a GraphQL Int.
BALANCE_CEILING = 1_000_000_000
# A money amount (minor units) must fit a signed 64-bit integer with room for sums.
MAX_MONEY_MINOR = 10**15
MAX_LINE_QUANTITY = 1_000_000
MAX_ORDER_LINES = 500
MAX_NOTE_LENGTH = 1_000
MAX_TEXT_LENGTH = 255
MAX_BULK_CUSTOMERS = 10_000
# A JSON value (customer attributes) nests at most this deep.
MAX_JSON_DEPTH = 32
# A whole number in a stored JSON value (customer attributes) fits a signed 64-bit integer:
# what orjson writes and the readers of the data (exports, webhooks, other languages) hold.
MAX_JSON_INTEGER = 2**63 - 1
# Every time taken as input falls in [EARLIEST_MOMENT, LATEST_MOMENT): PostgreSQL and Python
# both hold it in UTC, with a year of margin for arithmetic (validity periods, day buckets).
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(9999, 1, 1, tzinfo=UTC)
