"""Operators on Carerline: their own routes, the disruption they report, telling families, and the drafts officers decide."""
