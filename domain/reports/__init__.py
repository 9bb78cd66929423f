"""Reports: the program's movements, totals, flow over time, liability, rewards and tiers."""
