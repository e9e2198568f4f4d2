"""Data access for staff: accounts, sessions, tokens, the audit trail and dashboard counts."""
