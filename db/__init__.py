"""Models, sessions, migrations and the data-access functions: the only code that touches the database."""
