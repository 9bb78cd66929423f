"""Reports: movements, totals, flow, liability, rewards and categories (READ_REPORTS)."""
