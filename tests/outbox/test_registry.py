"""Every task is registered in every process, web processes included: the
outbox sends by name and looks the task up in the Celery app."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TASKS = [
    "deliberation.analyze_debate",
    "deliberation.apply_scheduled_phases",
    "deliberation.import_debate_file",
    "deliberation.purge_expired",
    "deliberation.reanchor_claim",
    "deliberation.reanchor_source",
    "deliberation.render_report",
    "deliberation.worker_ping",
]

# What a web process does at start (ASGI/WSGI): set Django up, import nothing
# of the tasks' modules, then look each task up as the outbox's send does.
PROBE = """
import django, json
django.setup()
from config.celery import app
print(json.dumps(sorted(n for n in app.tasks if n.startswith("deliberation."))))
"""


def test_a_fresh_django_process_has_every_task_registered():
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "config.settings", "PATH": "/usr/bin:/bin"},
    )
    assert out.stdout.strip().splitlines()[-1] == str(TASKS).replace("'", '"')
