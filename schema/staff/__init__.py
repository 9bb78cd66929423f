"""Staff sign-in for the console: login, logout, and who the caller is (viewer)."""
