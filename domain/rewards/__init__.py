"""The rewards catalogue: rewards bought with points, each claim issuing a voucher, and how
far each customer is from each reward."""
