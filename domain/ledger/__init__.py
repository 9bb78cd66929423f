"""The points ledger: append-only entries, balance rows and lots."""
