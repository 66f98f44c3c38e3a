"""The proposals area's rules, one module per job; this module gathers their public names.

``acts`` (create, add, remove, merge, split, edit), ``undo_handlers``, ``queries``, ``supporters``,
``citations`` and ``common`` (act names and shared bookkeeping).
"""

from contrib.proposals.acts import (
    add_contributions,
    create_from_contributions,
    edit_text,
    merge_proposals,
    remove_contribution,
    split,
)
from contrib.proposals.citations import REVIEW_REASON_MAX_LENGTH, citation_parts, review_citations
from contrib.proposals.common import (
    ACTIONS,
    ADD,
    CREATE,
    EDIT,
    MAX_SELECTION,
    MERGE,
    REMOVE,
    SPLIT,
    ProposalFields,
    numbers,
    parse_ids,
)
from contrib.proposals.queries import (
    ProposalRow,
    final_proposal,
    get_proposal,
    list_for_process,
    merge_targets,
    n_supporters,
    search_candidates,
    selection,
    sources_of,
    supporter_ids,
    taken_by,
)
from contrib.proposals.supporters import counts_through_sources, sync_supporter
from contrib.proposals.undo_handlers import register_undo

__all__ = [
    "ACTIONS",
    "ADD",
    "CREATE",
    "EDIT",
    "MAX_SELECTION",
    "MERGE",
    "REMOVE",
    "REVIEW_REASON_MAX_LENGTH",
    "SPLIT",
    "ProposalFields",
    "ProposalRow",
    "add_contributions",
    "citation_parts",
    "counts_through_sources",
    "create_from_contributions",
    "edit_text",
    "final_proposal",
    "get_proposal",
    "list_for_process",
    "merge_proposals",
    "merge_targets",
    "n_supporters",
    "numbers",
    "parse_ids",
    "register_undo",
    "remove_contribution",
    "review_citations",
    "search_candidates",
    "selection",
    "sources_of",
    "split",
    "supporter_ids",
    "sync_supporter",
    "taken_by",
]
