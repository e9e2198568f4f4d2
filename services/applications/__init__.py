"""HTST applications: their stages, telling the family at every step, and the four-week promise."""
