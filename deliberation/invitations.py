"""Join codes and invitation tokens (pure helpers, no database)."""

import secrets

# Upper case without look-alikes (0/O, 1/I/L) so a code read aloud or from a
# projector is typed right.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What people type ("abc-234", " ABC 234 ") as the stored form."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


def new_invite_token() -> str:
    return secrets.token_urlsafe(32)
