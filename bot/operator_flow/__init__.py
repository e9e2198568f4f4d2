"""The operator flow: a linked operator chat reports disruption with buttons; family chats never reach it."""
