"""Actions that earn: fixed points for registering, signing up to the newsletter, reviewing."""
