"""Reads: what a person may see, shaped for pages, the API, exports and live
events. One module per area, mirroring ``deliberation/services/``; the common
reads are importable from here."""

from deliberation.selectors.annotations import (
    ThreadNode,
    annotation_is_public,
    annotations_shown_to,
    authors_hidden_from,
    claims_are_public,
    comments_shown_to,
    thread_of,
)
from deliberation.selectors.debates import (
    claims_shown_to,
    debate_for_viewer,
    debate_list_for,
    membership_of,
    public_claims,
    shown_to,
)
from deliberation.selectors.moderation import (
    QueueItem,
    flag_weight,
    flagger_trust,
    flags_on_items_of,
    moderation_log_for,
    moderation_queue,
    pending_claims,
)
from deliberation.selectors.similarity import (
    DuplicatePair,
    duplicate_pairs,
    near_duplicates_of,
    similar_claims,
    similarity_backend,
    suggestion_min_score,
)
from deliberation.selectors.voting import (
    Perspective,
    Tally,
    claim_for_voting,
    next_claim_to_vote,
    perspective_for,
    perspectives_of,
    tallies_for,
    tally_from_rows,
    tally_of,
    tally_query,
)

__all__ = [
    "DuplicatePair",
    "Perspective",
    "QueueItem",
    "Tally",
    "ThreadNode",
    "annotation_is_public",
    "annotations_shown_to",
    "authors_hidden_from",
    "claim_for_voting",
    "claims_are_public",
    "claims_shown_to",
    "comments_shown_to",
    "debate_for_viewer",
    "debate_list_for",
    "duplicate_pairs",
    "flag_weight",
    "flagger_trust",
    "flags_on_items_of",
    "membership_of",
    "moderation_log_for",
    "moderation_queue",
    "near_duplicates_of",
    "next_claim_to_vote",
    "pending_claims",
    "perspective_for",
    "perspectives_of",
    "public_claims",
    "shown_to",
    "similar_claims",
    "similarity_backend",
    "suggestion_min_score",
    "tallies_for",
    "tally_from_rows",
    "tally_of",
    "tally_query",
    "thread_of",
]
