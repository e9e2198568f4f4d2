"""Data access for the council's transport data."""
