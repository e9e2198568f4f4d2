"""Parents and carers: linking with a link code, codes themselves, consent, settings, how we contact them, the menu and conversation state."""
