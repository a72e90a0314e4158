import pytest

from tests.factories import DebateFactory


@pytest.fixture
def eager_tasks():
    """Run Celery tasks in process (what the embedded default does): the tasks
    enqueued on commit then run when ``captureOnCommitCallbacks`` fires them.
    The real worker is tested in tests/integration/."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def debate(db):
    return DebateFactory(visibility="public")
