"""Pages for transport operators (report disruption) and for officers about them (review reports, add operator accounts)."""
