"""The PACT parental-views section of the annual report: figures, charts and HTML, PDF and DOCX renderings."""
