"""Small edits to a rubric file that keep everything else as the instructor wrote it."""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from grader.rubrics.yaml_io import dump_yaml, parse_yaml


class UnknownCriterion(KeyError):
    """The rubric has no criterion with that id."""


def add_phrasing(data: bytes, criterion_id: str, phrasing: str) -> str:
    """The rubric ``data`` with ``phrasing`` added to criterion ``criterion_id``'s phrasings.

    Round-trip YAML: comments, key order and quoting elsewhere are kept. A phrasing that is
    already there is not added twice. The result still has to be validated like any edit.

    Raises:
        YamlReadError: ``data`` is not a rubric document.
        UnknownCriterion: no criterion has that id.
    """
    document = parse_yaml(data)
    criteria = document.get("criteria")
    for criterion in criteria if isinstance(criteria, list) else []:
        if isinstance(criterion, CommentedMap) and criterion.get("id") == criterion_id:
            phrasings = criterion.get("phrasings")
            if not isinstance(phrasings, list):
                phrasings = CommentedSeq()
                criterion["phrasings"] = phrasings
            if phrasing not in phrasings:
                phrasings.append(phrasing)
            return dump_yaml(document)
    raise UnknownCriterion(criterion_id)
