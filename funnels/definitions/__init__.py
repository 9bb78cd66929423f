"""Funnel definitions: their format (a name, an entry, a graph of steps), the checks a
definition passes before it is saved, its versions and statuses (docs/funnels.md).

- `parsing.parse_definition(raw, check_filter)`: a loaded JSON/YAML value to a checked
  `definition.FunnelDefinition`, or every problem on its path; never raises.
- `references.check_references(uow, definition)`: templates, voucher batches, categories.
- `services`: `validate_funnel`, `save_funnel` (create or new version, idempotent, with an
  optional migration mapping), `change_status` (`statuses.Transition`).
- `queries`: `get_funnel`, `funnel_named`, `list_funnels`, `funnel_version`, `versions_of`.
- The model: `definition`, `entry`, `steps`, `durations`, `events` (the domain events behind
  the marketers' names), `models` (Funnel, FunnelVersion, FunnelStatus, Saved).
- `filters.FilterCheck`: the segment-filter checker every parse takes (funnels.segments')."""
