"""The PACT parental-views section of the annual report (only the publishing rules are built so far)."""
