"""Reading partial-update inputs, where a field left out means "leave it as it is"."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import strawberry


def changed_fields(
    input: object, required: Iterable[str], nullable: Iterable[str] = ()
) -> dict[str, Any]:
    """The fields an update input sets: each of `required` when given a value (null leaves
    it as it is), each of `nullable` when given at all (null clears it)."""
    changes = {
        name: getattr(input, name)
        for name in required
        if getattr(input, name) not in (strawberry.UNSET, None)
    }
    changes.update(
        {
            name: getattr(input, name)
            for name in nullable
            if getattr(input, name) is not strawberry.UNSET
        }
    )
    return changes
