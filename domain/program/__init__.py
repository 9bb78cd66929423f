"""Program-wide settings the shop writes for its customers (the customer area's text), and
the id of the program: one per installation today, the key of every per-program row."""

PROGRAM_ID = 1
