"""Staff sign-in, sessions, API tokens, CSRF and who may reach which route."""
