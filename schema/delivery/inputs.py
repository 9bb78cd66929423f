"""The delivery log's filter."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.errors import Problems
from domain.validation import parse_id
from notifications.delivery.log import LogFilter
from schema.delivery.types import MessageStatusEnum
from schema.notifications.types import MessageChannel


@strawberry.input(name="MessageFilter", description="Every given criterion must match.")
class MessageFilterInput:
    customer_id: strawberry.ID | None = None
    channel: MessageChannel | None = None  # type: ignore[valid-type]
    status: MessageStatusEnum | None = None  # type: ignore[valid-type]
    template_id: strawberry.ID | None = None
    since: datetime | None = strawberry.field(default=None, description="Created at or after.")
    until: datetime | None = strawberry.field(default=None, description="Created before.")
    is_test: bool | None = strawberry.field(
        default=None,
        description="true: only test messages (sendTestMessage); false: only the others.",
    )

    def to_domain(self) -> LogFilter:
        """The domain's filter; a DomainError names a bad id or time."""
        problems = Problems()
        customer = (
            None
            if self.customer_id is None
            else parse_id(problems, "filter.customerId", self.customer_id)
        )
        template = (
            None
            if self.template_id is None
            else parse_id(problems, "filter.templateId", self.template_id)
        )
        problems.raise_if_any()
        return LogFilter(
            customer, self.channel, self.status, template, self.since, self.until, self.is_test
        ).checked()
