"""Values written in the document itself (literals, e.g. `note: "..."`) are checked like the
body's values, naming the argument: text holding a NUL character (`\\u0000`, see
schema/body.py) and times outside the domain's range (domain.validation.moment_out_of_range)
are refused at validation, before anything reaches the database. Being a validation rule,
it runs once per document (cached). Variables are checked by schema/body.py and the
DateTime scalar (schema/scalars.py)."""

from __future__ import annotations

from typing import Any

from graphql import (
    ArgumentNode,
    GraphQLError,
    ObjectFieldNode,
    StringValueNode,
    ValidationRule,
    get_named_type,
)

from domain.validation import moment_out_of_range
from schema.body import unsafe_text_reason
from schema.scalars import parse_datetime


class InputLiterals(ValidationRule):
    def enter_string_value(
        self, node: StringValueNode, _key: Any, parent: Any, _path: Any, ancestors: Any
    ) -> None:
        reason = unsafe_text_reason(node.value)
        if reason is not None:
            self._refuse(node, [*ancestors, parent], f"the text {reason}", "INVALID")
            return
        expected = get_named_type(self.context.get_input_type())
        if expected is None or expected.name != "DateTime":
            return
        try:
            moment = parse_datetime(node.value)
        except Exception:
            return
        why = moment_out_of_range(moment)
        if why is not None:
            self._refuse(node, [*ancestors, parent], why, "OUT_OF_RANGE")

    def _refuse(self, node: StringValueNode, ancestors: list[Any], why: str, reason: str) -> None:
        names = [a.name.value for a in ancestors if isinstance(a, ArgumentNode | ObjectFieldNode)]
        field = ".".join(names) or "document"
        self.report_error(
            GraphQLError(
                f"{field}: {why.rstrip('.')} ({reason}).",
                node,
                extensions={"code": "BAD_USER_INPUT", "field": field, "reason": reason},
            )
        )
