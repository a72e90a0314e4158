"""The REST API of debates, claims, sources and citations (``/api/v1/``)."""
