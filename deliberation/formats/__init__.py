"""Formats of the debate among people (claims/formats/ holds the argument map's)."""
