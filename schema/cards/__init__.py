"""Cards: series, a customer's cards, the till's read of a card, and the card's life."""
