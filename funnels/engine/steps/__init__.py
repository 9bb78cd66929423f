"""What each step does to a batch of enrollments standing at it (one module per kind)."""
