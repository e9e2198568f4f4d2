"""Staff: accounts, sign-in sessions, permissions, the audit trail and the dashboard."""
