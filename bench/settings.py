"""Settings of the server that bench/votes.py starts: the app's own settings,
plus a bench-only URLconf, with DEBUG off as in production (DEBUG on records
every query, which would tax the vote endpoint more than the bare one)."""

import os

from config.settings import *  # noqa: F403
from config.settings import CHANNEL_LAYERS, LOGGING

ROOT_URLCONF = "bench.urls"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": "WARNING"}}
# Groups of its own: websockets left behind by earlier runs (a group forgets a
# member only after a day) would otherwise receive every event too.
if "CONFIG" in CHANNEL_LAYERS["default"]:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ.get(
        "BENCH_CHANNEL_PREFIX", "cp-bench"
    )
