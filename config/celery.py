"""The Celery app. Tasks are thin: they take ids, re-fetch and call a service.

Services enqueue tasks through the transactional outbox (deliberation/outbox.py):
sent after the transaction commits (or when due), swept by the sweep process
(``manage.py outbox_sweep --loop``) when the broker was away or lost them.
Without a broker (the embedded default) tasks run eagerly in process, after the
transaction that enqueued them commits.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("counterpoint", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
