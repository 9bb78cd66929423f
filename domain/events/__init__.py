"""Domain events: recorded in the transaction of the change that caused them."""
