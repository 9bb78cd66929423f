"""The one place that chooses how funnel definitions' segment filters are checked, for the
API (tessera/app.py) and the CLI (tessera/funnel_files.py).

funnels.segments (the filter compiler, built beside funnels.definitions) provides the
checker; until it is merged here, `refuse_filters` refuses every filter with a problem on
its path, so no filter is ever saved unchecked."""

from __future__ import annotations

from funnels.definitions.filters import FilterCheck, refuse_filters

CHECK_FILTER: FilterCheck = refuse_filters
