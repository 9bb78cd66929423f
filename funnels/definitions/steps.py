"""The steps of a funnel's graph, as frozen values.

Each step has an `id` unique in its definition and names the steps that may follow it
(`targets`: the field and the id). A step without a following step completes the
enrollment there. `document()` gives the step back in the definition format (camelCase, as
YAML, JSON and GraphQL's JSON scalar carry it), so that a stored or exported definition
reads back into the same value."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from typing import Any

from funnels.definitions.durations import Duration
from funnels.definitions.events import FunnelEvent
from notifications.templates import Channel


class StepType(StrEnum):
    WAIT = "wait"
    BRANCH = "branch"
    RANDOM_SPLIT = "randomSplit"
    ADD_POINTS = "addPoints"
    REMOVE_POINTS = "removePoints"
    SET_POINTS = "setPoints"
    SEND_EMAIL = "sendEmail"
    SEND_SMS = "sendSms"
    SEND_MMS = "sendMms"
    ISSUE_VOUCHER = "issueVoucher"
    SET_CATEGORY = "setCategory"
    SET_ATTRIBUTE = "setAttribute"
    NOTIFY_STAFF = "notifyStaff"
    GOAL = "goal"
    EXIT = "exit"


SEND_CHANNELS = {
    StepType.SEND_EMAIL: Channel.EMAIL,
    StepType.SEND_SMS: Channel.SMS,
    StepType.SEND_MMS: Channel.MMS,
}
POINTS_STEPS = (StepType.ADD_POINTS, StepType.REMOVE_POINTS, StepType.SET_POINTS)

Target = tuple[str, str]  # (the field naming it, the step id)


def _with_next(body: dict[str, Any], next_id: str | None) -> dict[str, Any]:
    return body if next_id is None else {**body, "next": next_id}


# Wait conditions: one of these per wait step.


@dataclass(frozen=True)
class Delay:
    duration: Duration

    def document(self) -> dict[str, Any]:
        return {"duration": self.duration.text}


@dataclass(frozen=True)
class UntilTimeOfDay:
    """The next time the customer's clock (their time zone, else the program's) shows it."""

    at: time

    def document(self) -> dict[str, Any]:
        return {"untilTimeOfDay": f"{self.at:%H:%M}"}


@dataclass(frozen=True)
class UntilDate:
    """The next anniversary of a date of the customer's: `birthDate`, or a custom attribute
    `attributes.<key>` holding a YYYY-MM-DD date."""

    attribute: str

    def document(self) -> dict[str, Any]:
        return {"untilDate": {"attribute": self.attribute}}


@dataclass(frozen=True)
class UntilEvent:
    """The event for this customer, or the timeout: then the step goes on to `timeout_next`
    instead of `next`."""

    event: FunnelEvent
    timeout: Duration
    timeout_next: str | None

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {"untilEvent": self.event.value, "timeout": self.timeout.text}
        return body if self.timeout_next is None else {**body, "timeoutNext": self.timeout_next}


WaitCondition = Delay | UntilTimeOfDay | UntilDate | UntilEvent


@dataclass(frozen=True)
class Wait:
    id: str
    until: WaitCondition
    next: str | None = None

    def targets(self) -> tuple[Target, ...]:
        found = [("next", self.next)] if self.next else []
        if isinstance(self.until, UntilEvent) and self.until.timeout_next:
            found.append(("timeoutNext", self.until.timeout_next))
        return tuple((f, t) for f, t in found if t)

    def document(self) -> dict[str, Any]:
        body = {"id": self.id, "type": StepType.WAIT.value, **self.until.document()}
        return _with_next(body, self.next)


@dataclass(frozen=True)
class Branch:
    """`yes` for the customers the filter matches, `no` for the others."""

    id: str
    filter: object
    yes: str | None = None
    no: str | None = None

    def targets(self) -> tuple[Target, ...]:
        return tuple((f, t) for f, t in (("yes", self.yes), ("no", self.no)) if t)

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "type": StepType.BRANCH.value, "filter": self.filter}
        for name, target in (("yes", self.yes), ("no", self.no)):
            if target is not None:
                body[name] = target
        return body


@dataclass(frozen=True)
class SplitPath:
    """A share of the customers reaching a random split; a holdout path is the control group
    (the statistics compare the others with it)."""

    percent: int
    next: str | None = None
    holdout: bool = False

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = _with_next({"percent": self.percent}, self.next)
        return {**body, "holdout": True} if self.holdout else body


@dataclass(frozen=True)
class RandomSplit:
    id: str
    paths: tuple[SplitPath, ...]

    def targets(self) -> tuple[Target, ...]:
        return tuple((f"paths[{i}].next", p.next) for i, p in enumerate(self.paths) if p.next)

    def document(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": StepType.RANDOM_SPLIT.value,
            "paths": [p.document() for p in self.paths],
        }


@dataclass(frozen=True)
class ChangePoints:
    """addPoints and removePoints move `points` (> 0); setPoints brings the balance to
    `points` (>= 0) by the difference."""

    id: str
    type: StepType
    points: int
    next: str | None = None

    def targets(self) -> tuple[Target, ...]:
        return (("next", self.next),) if self.next else ()

    def document(self) -> dict[str, Any]:
        return _with_next(
            {"id": self.id, "type": self.type.value, "points": self.points}, self.next
        )


@dataclass(frozen=True)
class SendMessage:
    """A message from the template named `template`, on the step type's channel."""

    id: str
    type: StepType
    template: str
    next: str | None = None

    @property
    def channel(self) -> Channel:
        return SEND_CHANNELS[self.type]

    def targets(self) -> tuple[Target, ...]:
        return (("next", self.next),) if self.next else ()

    def document(self) -> dict[str, Any]:
        body = {"id": self.id, "type": self.type.value, "template": self.template}
        return _with_next(body, self.next)


@dataclass(frozen=True)
class IssueVoucher:
    """Assigns the customer the next free voucher of the batch."""

    id: str
    voucher_batch: int
    next: str | None = None

    def targets(self) -> tuple[Target, ...]:
        return (("next", self.next),) if self.next else ()

    def document(self) -> dict[str, Any]:
        body = {"id": self.id, "type": "issueVoucher", "voucherBatch": str(self.voucher_batch)}
        return _with_next(body, self.next)


@dataclass(frozen=True)
class SetCategory:
    """Moves the customer to the point category named `category` (names are unique)."""

    id: str
    category: str
    next: str | None = None

    def targets(self) -> tuple[Target, ...]:
        return (("next", self.next),) if self.next else ()

    def document(self) -> dict[str, Any]:
        body = {"id": self.id, "type": StepType.SET_CATEGORY.value, "category": self.category}
        return _with_next(body, self.next)


@dataclass(frozen=True)
class SetAttribute:
    """Sets one of the customer's custom attributes to a JSON scalar (null removes it)."""

    id: str
    key: str
    value: str | int | bool | None
    next: str | None = None

    def targets(self) -> tuple[Target, ...]:
        return (("next", self.next),) if self.next else ()

    def document(self) -> dict[str, Any]:
        body = {"id": self.id, "type": "setAttribute", "key": self.key, "value": self.value}
        return _with_next(body, self.next)


@dataclass(frozen=True)
class NotifyStaff:
    """An internal notice to the staff who receive funnel notices (subject and message,
    plain text with the customer's shortcodes)."""

    id: str
    subject: str
    message: str
    next: str | None = None

    def targets(self) -> tuple[Target, ...]:
        return (("next", self.next),) if self.next else ()

    def document(self) -> dict[str, Any]:
        body = {
            "id": self.id,
            "type": StepType.NOTIFY_STAFF.value,
            "subject": self.subject,
            "message": self.message,
        }
        return _with_next(body, self.next)


@dataclass(frozen=True)
class Goal:
    """A conversion: the enrollment counts as converted when it reaches this step within
    `within_days` of entering."""

    id: str
    name: str
    within_days: int
    next: str | None = None

    def targets(self) -> tuple[Target, ...]:
        return (("next", self.next),) if self.next else ()

    def document(self) -> dict[str, Any]:
        body = {"id": self.id, "type": "goal", "name": self.name, "withinDays": self.within_days}
        return _with_next(body, self.next)


@dataclass(frozen=True)
class Exit:
    """Ends the enrollment here (with a reason the statistics show)."""

    id: str
    reason: str | None = None

    def targets(self) -> tuple[Target, ...]:
        return ()

    def document(self) -> dict[str, Any]:
        body: dict[str, Any] = {"id": self.id, "type": StepType.EXIT.value}
        return body if self.reason is None else {**body, "reason": self.reason}


Step = (
    Wait
    | Branch
    | RandomSplit
    | ChangePoints
    | SendMessage
    | IssueVoucher
    | SetCategory
    | SetAttribute
    | NotifyStaff
    | Goal
    | Exit
)
