"""The bounds every render stays within, whatever a marketer writes.

Sizes count characters (Python `str` length), not bytes."""

from __future__ import annotations

# One message (all its parts) renders within this much CPU time of the thread rendering it;
# a template that takes longer is stopped at the next attribute, call, loop step or output
# chunk with a TIMEOUT error. CPU time, not the clock: a busy worker or machine stretches a
# render's wall time without it being the template's fault.
RENDER_TIME_LIMIT_S = 0.1

# Output per part: rendering stops as soon as a part's output passes its limit.
SUBJECT_MAX_CHARS = 998  # RFC 5322's longest line
EMAIL_HTML_MAX_CHARS = 256 * 1024
EMAIL_TEXT_MAX_CHARS = 256 * 1024
SMS_MAX_CHARS = 1600  # Twilio's longest message body (10 segments)

# Any single value a template builds (`'x' * n`, `a ~ b`, `|join`): no bigger than the
# largest output, so a template cannot fill memory before the output check sees it.
VALUE_MAX_CHARS = 256 * 1024

# All the values one render builds, together: many values each under the limit above, kept
# in a list or a namespace, cannot fill memory either.
BUILT_MAX_CHARS = 16 * 1024 * 1024

# Any number a template computes (`**`, `*`, `|int`, `|round`, `|sum`, ...): no integer
# larger than this many bits, no decimal with more integer digits than such an integer.
# Converting a number between binary and decimal takes time quadratic in its size, so a
# bigger one could hold a worker for seconds in a single step.
NUMBER_MAX_BITS = 64 * 1024
NUMBER_MAX_DIGITS = 19_728  # floor(log10(2 ** NUMBER_MAX_BITS)): 10 ** 19,728 < 2 ** 65,536

# A part's source: compiling is not under the time limit, so its size is bounded instead.
SOURCE_MAX_CHARS = 256 * 1024

# An MMS carries at most this many media files (Twilio's limit).
MMS_MAX_MEDIA = 10
