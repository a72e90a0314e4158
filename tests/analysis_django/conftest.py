import pytest


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in process (as without a broker), also on PostgreSQL
    and Redis. The real worker is tested in tests/integration/."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def analysis_after_votes(settings):
    """Votes schedule analysis runs (off elsewhere in the tests: see
    tests/conftest.py)."""
    settings.ANALYSIS_AFTER_VOTES = True
