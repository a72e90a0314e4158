"""A source edit through the service is re-anchored by a real Celery worker,
after the edit commits."""

import pytest

from claims.models import Annotation, Citation
from claims.services import citation_create
from deliberation import services
from tests.factories import DebateFactory, make_claim, make_source
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TEXT = "Three stations used live facial recognition. Arrests rose by a fifth."


def test_source_edit_is_reanchored_by_the_worker(celery_worker):
    # given
    debate = DebateFactory()
    source = make_source(debate, text=TEXT)
    claim = make_claim(debate, text="Cameras cut crime.")
    kept = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="Arrests rose"
    )
    orphan = services.annotation_add(
        user=debate.owner, debate=debate, source=source, quote="Three stations"
    )
    citation = citation_create(claim=claim, source=source, quote="a fifth")
    new_text = "In a pilot, cameras ran for a month. Arrests rose by a fifth."

    # when
    services.source_edit(user=debate.owner, source=source, text=new_text)

    # then
    def reanchored():
        return Annotation.objects.get(pk=orphan.pk).orphaned

    assert wait_for(reanchored, timeout=30)
    kept.refresh_from_db()
    citation.refresh_from_db()
    at = new_text.index("Arrests rose")
    assert (kept.start, kept.end, kept.orphaned, kept.source_revision.number) == (
        at,
        at + 12,
        False,
        2,
    )
    assert (citation.exact, citation.start, citation.source_revision.number) == (
        "a fifth",
        new_text.index("a fifth"),
        2,
    )
    assert Citation.objects.filter(orphaned=True).count() == 0
