"""The delivery engine: claiming outbox rows under the shared cap, sending, probing, recording outcomes."""
