import pytest


@pytest.fixture
def analysis_after_votes(settings):
    """Votes schedule analysis runs (off elsewhere in the tests: see
    tests/conftest.py)."""
    settings.ANALYSIS_AFTER_VOTES = True
