"""GraphQL for vouchers: batches, codes and their uses, checks and redemptions at the till,
and points converted into vouchers."""
