"""Internal notices to store managers and staff: who gets which (recipients per shop), the
large-adjustment threshold, the notices' fixed content, the reaction that makes them from
domain events and the job that notices promotions as they start. docs/notifications.md,
"Internal notices", describes them."""
