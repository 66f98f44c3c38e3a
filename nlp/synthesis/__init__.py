"""Extractive synthesis of a set of contributions: summary, answers to questions, proposal draft.

The embedded engine of the synthesis assistant: no network, no model download, deterministic.
Every sentence it states is a complete sentence copied from a contribution, cited with the
contributions that say the same (their duplicates folded together, or a sentence of theirs close
in words and meaning); everything else is a heading, a short French connecting phrase or a count
computed from the metadata. Its output goes through the same citation check
(:mod:`nlp.citations`) as a language model's; sentences cited to several sources are checked here
before they are chosen.

Steps: duplicates folded (:func:`nlp.find_duplicates`) into *ideas*, and the groups the app found over the
whole process, when given (``fit(duplicate_groups=)``), linked as ideas said again; ideas grouped into sub-topics
by meaning (k-means on TF-IDF joined with sentence embeddings, :func:`nlp.embeddings.embed`);
each sub-topic gets a heading (a noun phrase read in its texts, :mod:`nlp._phrases`), its counts,
a gist and 1–3 central sentences; sentences of the same sub-topic that say the opposite are shown
as disputed; small sub-topics and isolated ideas are minority views and weak signals. Thanks,
greetings, fragments, questions, all-caps, sarcasm and asides are never chosen.

The package, by job: :mod:`.subtopics` (fitting: ideas, sentences, vectors, sub-topics),
:mod:`.selection` (ranking, citing and checking sentences), :mod:`.summary`, :mod:`.answer` and
:mod:`.draft` (the three uses), :mod:`.segments` (what is returned). :class:`ExtractiveSynthesizer`
puts the parts together; each part is a base class reading the fitted state of :mod:`.subtopics`.
"""

from __future__ import annotations

from collections.abc import Sequence

from nlp.synthesis.answer import _MIN_SEMANTIC, _Answering
from nlp.synthesis.draft import _Drafting
from nlp.synthesis.segments import Draft, Segment, Synthesis

__all__ = [
    "Draft",
    "ExtractiveSynthesizer",
    "Segment",
    "Synthesis",
    "answer_question",
    "draft_proposal",
    "summarize",
]


class ExtractiveSynthesizer(_Answering, _Drafting):
    """Extractive synthesis of one scope of contributions.

    Parameters
    ----------
    max_topics : int, default=5
        Largest number of sub-topics in a summary.
    sentences_per_topic : int, default=2
        Sentences per sub-topic; one more (3) for a sub-topic of a tenth of the scope or more.
    n_arguments : int, default=3
    n_weak_signals : int, default=3
    min_answer_score : float, default=0.12
        Smallest TF-IDF cosine between a question and a sentence for the sentence to answer it by words.
    min_answer_similarity : float, default=0.3
        Smallest sentence-encoder cosine for a sentence to answer it by meaning.
    random_state : int, default=0
    encoder : nlp.embeddings.Encoder, optional
        The sentence encoder (the shipped model when None).

    Attributes
    ----------
    ideas_ : list of tuple
        Member ids of each idea (a duplicate group or a single contribution), representative first.
    topics_ : list of list of int
        Idea indices of each sub-topic, largest sub-topic first.
    """

    def __init__(
        self,
        max_topics: int = 5,
        sentences_per_topic: int = 2,
        n_arguments: int = 3,
        n_weak_signals: int = 3,
        min_answer_score: float = 0.12,
        random_state: int = 0,
        *,
        min_answer_similarity: float = _MIN_SEMANTIC,
        encoder=None,
    ):
        self.max_topics = max_topics
        self.sentences_per_topic = sentences_per_topic
        self.n_arguments = n_arguments
        self.n_weak_signals = n_weak_signals
        self.min_answer_score = min_answer_score
        self.min_answer_similarity = min_answer_similarity
        self.random_state = random_state
        self.encoder = encoder


def summarize(ids, texts, **metadata) -> Synthesis:
    """Shortcut: ``ExtractiveSynthesizer().fit(ids, texts, **metadata).summary()``."""
    return ExtractiveSynthesizer().fit(ids, texts, **metadata).summary()


def answer_question(ids, texts, question: str, *, history: Sequence[str] = (), **metadata) -> Synthesis:
    """Shortcut: ``ExtractiveSynthesizer().fit(ids, texts, **metadata).answer(question, history=history)``."""
    return ExtractiveSynthesizer().fit(ids, texts, **metadata).answer(question, history=history)


def draft_proposal(ids, texts, **metadata) -> Draft:
    """Shortcut: ``ExtractiveSynthesizer().fit(ids, texts, **metadata).draft()``."""
    return ExtractiveSynthesizer().fit(ids, texts, **metadata).draft()
