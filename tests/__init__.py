"""Carerline tests, mirroring the code layout (a regular package, so no installed `tests` package can shadow it)."""
