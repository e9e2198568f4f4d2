"""Data access for the outbox, the delivery loop and the message log."""
