"""Data access for complaints, problems reported on the day and what they share."""
