"""Generated animal names, the pseudonym blocklist and the shape of guest
usernames (pure, no database)."""

import random
import re
import unicodedata

ADJECTIVES = (
    "Amber",
    "Brave",
    "Bright",
    "Calm",
    "Clever",
    "Coral",
    "Curious",
    "Daring",
    "Eager",
    "Gentle",
    "Golden",
    "Happy",
    "Honest",
    "Jolly",
    "Kind",
    "Lively",
    "Lucky",
    "Mellow",
    "Nimble",
    "Patient",
    "Polite",
    "Quick",
    "Quiet",
    "Rapid",
    "Silver",
    "Steady",
    "Sunny",
    "Swift",
    "Thoughtful",
    "Wise",
)
ANIMALS = (
    "Badger",
    "Beaver",
    "Crane",
    "Dolphin",
    "Eagle",
    "Falcon",
    "Ferret",
    "Fox",
    "Gecko",
    "Heron",
    "Hedgehog",
    "Ibis",
    "Koala",
    "Lemur",
    "Lynx",
    "Marten",
    "Narwhal",
    "Otter",
    "Owl",
    "Panda",
    "Pelican",
    "Puffin",
    "Quokka",
    "Raven",
    "Robin",
    "Seal",
    "Stoat",
    "Swan",
    "Tapir",
    "Walrus",
    "Wombat",
    "Yak",
)

# Words a pseudonym may not be made of: insults a class would try first,
# and names that pretend to authority. Short on purpose (moderators can still
# remove anyone); matched as whole words so "Dickens" or "Scunthorpe" pass.
BLOCKLIST = frozenset(
    {
        "admin",
        "administrator",
        "moderator",
        "teacher",
        "staff",
        "system",
        "official",
        "root",
        "idiot",
        "stupid",
        "loser",
        "dumb",
        "moron",
        "hate",
        "kill",
        "fuck",
        "shit",
        "bitch",
        "bastard",
        "dick",
        "cunt",
        "wanker",
        "slut",
        "whore",
        "nazi",
        "hitler",
        "retard",
        "porn",
        "sex",
    }
)
# These never occur inside a decent word, so they are caught anywhere.
BLOCKED_ANYWHERE = ("fuck", "shit", "bitch", "nazi", "hitler", "whore")

PSEUDONYM_MIN, PSEUDONYM_MAX = 2, 30
_ALLOWED = re.compile(r"^[\w][\w .'-]*$")
_LEET = str.maketrans("013457@$!", "oieastasi")


def animal_name(taken: set[str], rng: random.Random | None = None) -> str:
    """A name not in ``taken`` ("Curious Otter"; "Curious Otter 2" once all
    960 pairs are used)."""
    rng = rng or random.SystemRandom()
    for _ in range(50):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)}"
        if name not in taken:
            return name
    base, n = f"{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)}", 2
    while f"{base} {n}" in taken:
        n += 1
    return f"{base} {n}"


def pseudonym_key(text: str) -> str:
    """How two pseudonyms are compared: case, accents and spacing ignored."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s._'-]+", "", text.casefold())


def pseudonym_problem(text: str) -> str:
    """Why ``text`` cannot be a pseudonym, or "" when it can."""
    text = text.strip()
    if not (PSEUDONYM_MIN <= len(text) <= PSEUDONYM_MAX):
        return f"Choose a pseudonym of {PSEUDONYM_MIN} to {PSEUDONYM_MAX} characters."
    if "@" in text or not _ALLOWED.match(text):
        return "Use letters, digits, spaces, dots, dashes or apostrophes only."
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = set(re.split(r"[^a-z]+", plain.casefold().translate(_LEET)))
    squashed = pseudonym_key(text).translate(_LEET)
    if (
        words & BLOCKLIST
        or squashed in BLOCKLIST
        or any(word in squashed for word in BLOCKED_ANYWHERE)
    ):
        return "Please choose another pseudonym."
    return ""


# Guest accounts get an internal username, "guest-" and 8 hex digits
# (services.membership.guest_create); it is never shown as a name.
_GUEST_USERNAME = re.compile(r"guest-[0-9a-f]{8}")


def is_guest_username(username: str) -> bool:
    """True for the internal username of a guest account."""
    return bool(_GUEST_USERNAME.fullmatch(username))
