"""Messages: each one created once (its dedupe key), sent at most once per provider hand-over,
and its fate recorded (the delivery log)."""
