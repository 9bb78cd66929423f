"""Cards: series, cards, and what DISCOUNT and CURRENT_DISCOUNT cards give."""
