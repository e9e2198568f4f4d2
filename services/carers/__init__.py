"""Parents and carers: linking with a link code, codes themselves, consent, settings, the menu and conversation state."""
