"""The scoring code's hand rules, by name, so that an evaluation can switch each one off and
measure what it adds on data sets the rules were never written for (`grader eval rules`,
docs/scoring.md lists each rule with that figure).

Every rule is on in the service. :func:`switched_off` is for evaluations only: it changes a
module-level setting, so it must not be used while a service grades in another thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

# name -> what the rule does, and where (one line each, for the evaluation's report).
RULES: dict[str, str] = {
    "clauses": "a sentence is also read clause by clause (', while', ', and', ' or', ...), so "
    "a key point is matched by the clause that makes it (text.split_units)",
    "competing-points": "a unit much closer to another key point speaks for that one "
    "(analysis._competing)",
    "denial": "a unit with a negation is refused for a key point it denies: a short point (four "
    "words or fewer) when the negation covers the point's words, a longer one only when the unit "
    "is a near-copy of it (analysis._denies; off: both)",
    "denial-of-long-points": "the second half of 'denial' alone: a near-copy of a point of five "
    "words or more with a negation is refused for it (analysis._denies)",
    "restatement": "a unit made only of the question's words counts only if clearly closer "
    "to the key point than the question is (analysis._match_plain)",
    "keyword-salad": "five or more bare keywords are capped at salad_cap (text.is_keyword_salad)",
    "acronym-expansion": "a compared subject named by an acronym ('RNN') is also found by its "
    "expansion ('recurrent neural network', 'recurrent net') (text.subject_pattern)",
    "opening-of": "a compared subject named after 'of' in the phrase a clause opens with "
    "('the output of an RNN') starts what is said of it (text.attributed_segments)",
}

_off: frozenset[str] = frozenset()


def on(name: str) -> bool:
    """Whether the rule ``name`` applies (always, outside an evaluation's :func:`switched_off`)."""
    return name not in _off


@contextmanager
def switched_off(*names: str) -> Iterator[None]:
    """Inside the block, the rules ``names`` do not apply (unknown names are an error)."""
    global _off
    unknown = set(names) - set(RULES)
    if unknown:
        known = ", ".join(RULES)
        raise ValueError(f"unknown rule(s): {', '.join(sorted(unknown))}; known: {known}")
    previous, _off = _off, _off | frozenset(names)
    try:
        yield
    finally:
        _off = previous
