"""Periodic gifts: schedules that credit every matching customer once per period."""
