"""Rendering an untrusted template and timing the CPU it took: the limit is 100 ms a
render, so a test allows a generous margin for a loaded machine and checks only that a
render which would run for seconds is stopped."""

from __future__ import annotations

import time

from notifications.templates import MessageData, SmsContent, TemplateError, render, validate

CPU_MARGIN_S = 1.0


def render_cpu(source: str, data: MessageData) -> tuple[float, TemplateError | None]:
    """The CPU seconds an SMS of `source` took to render with `data`, and its error if any
    (the template is first checked to be accepted when saved)."""
    assert validate(SmsContent(source)) == []
    started = time.thread_time()
    try:
        render(SmsContent(source), data, "en-US")
    except TemplateError as error:
        return time.thread_time() - started, error
    return time.thread_time() - started, None
