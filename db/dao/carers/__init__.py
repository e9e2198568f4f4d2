"""Data access for carers: accounts, links, link codes, consent, conversations and their copy of their data."""
