"""Data protection: the one redaction function, name detection, erasure and a carer's copy of their data."""
