"""Celery tasks: thin wrappers that take ids and call a service."""

from celery import shared_task
from django.core.cache import cache


@shared_task(name="deliberation.worker_ping")
def worker_ping(token: str) -> None:
    """Record that a worker ran; lets operators and tests see a live worker."""
    cache.set(f"worker-ping:{token}", "done", timeout=300)
