"""Funnel definitions: their format (a name, an entry, a graph of steps), the checks a
definition passes before it is saved, its versions and statuses (docs/funnels.md)."""
