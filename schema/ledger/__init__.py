"""GraphQL for the ledger: entries, adjustments, previews and reversals."""
