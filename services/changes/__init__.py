"""Transport changes: personal notices to families, acknowledgements, reminders, the call list, and changes from CSV."""
