"""Families' feedback: records, the bot's steps, themes, tagging and sentiment, and what PACT writes about it."""
