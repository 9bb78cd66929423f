"""What rewards lets other areas embed in their own statements (reports), read through
relations rather than by naming its tables."""

from __future__ import annotations

# Every reward, with every column of a reward (rewards.models.reward_of reads such a row).
REWARDS = "SELECT * FROM rewards"

# Every claim: id, reward_id, customer_id, points, entry_id, voucher_id, created_at.
CLAIMS = """
    SELECT id, reward_id, customer_id, points, entry_id, voucher_id, created_at
      FROM reward_claims"""
