"""Acts of a person in a debate: check the rules, call the content services,
publish live events after commit. One module per area, all importable from here."""

from deliberation.services.annotations import (
    annotation_add,
    annotation_edit,
    annotation_remove,
    comment_add,
    comment_edit,
    comment_remove,
    evidence_contribute,
)
from deliberation.services.debates import (
    citation_add,
    citation_remove,
    claim_contribute,
    claim_edit,
    debate_create,
    debate_import,
    debate_update,
    source_add,
    source_edit,
    thesis_add,
)
from deliberation.services.voting import (
    impact_set,
    impact_withdraw,
    vote_cast,
    vote_withdraw,
)

__all__ = [
    "annotation_add",
    "annotation_edit",
    "annotation_remove",
    "comment_add",
    "comment_edit",
    "comment_remove",
    "evidence_contribute",
    "citation_add",
    "citation_remove",
    "claim_contribute",
    "claim_edit",
    "debate_create",
    "debate_import",
    "debate_update",
    "source_add",
    "source_edit",
    "thesis_add",
    "impact_set",
    "impact_withdraw",
    "vote_cast",
    "vote_withdraw",
]
