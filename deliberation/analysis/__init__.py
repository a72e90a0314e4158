"""Pure analysis code (Python/numpy): no Django imports here."""
