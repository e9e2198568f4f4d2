"""Local sandbox for Carerline: a Telegram Bot API emulator and a phone-like web page."""
