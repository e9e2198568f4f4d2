"""The ground every layer stands on: settings, the message catalogue and text(), metrics, logging, error types. Imports nothing of ours but templates."""
