"""Staff users: people who sign in to the console with an email and a password, the sessions
their sign-ins open, and the lockout that slows down password guessing."""
