"""Cards: series, a customer's cards, the till's read of a card, the card's life, and what
DISCOUNT and CURRENT_DISCOUNT cards give."""
