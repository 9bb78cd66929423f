"""The shop's settings frontends read: its name and its currency."""
