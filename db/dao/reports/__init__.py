"""Data access for exports, the SitRep and the parental-views section."""
