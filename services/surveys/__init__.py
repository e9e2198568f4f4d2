"""Surveys: create, send, remind, close, the bot's answering steps and the results."""
