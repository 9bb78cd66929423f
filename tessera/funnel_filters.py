"""The one place that chooses how funnel definitions' segment filters are checked, for the
API (tessera/app.py) and the CLI (tessera/funnel_files.py): funnels.segments' checker, the
filter language of docs/segments.md. (funnels.definitions takes it as a parameter, so that
it neither owns nor guesses the filter language.)"""

from __future__ import annotations

from funnels.definitions.filters import FilterCheck
from funnels.segments import check_filter

CHECK_FILTER: FilterCheck = check_filter
