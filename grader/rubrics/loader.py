"""Load and validate rubric files, one at a time or as a whole set.

The same code serves ``grader rubrics check`` and the running service: a broken file is reported
with its file, line and field, and the other rubrics still load. Nothing here writes to disk.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from grader.errors import for_a_person
from grader.rubrics.checks import Loc, check_rubric
from grader.rubrics.schema import Rubric
from grader.rubrics.yaml_io import YamlReadError, line_of, parse_yaml, read_bytes_limited

RUBRIC_SUFFIXES = (".yaml", ".yml")
DEFAULT_MAX_BYTES = 256 * 1024


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a rubric file, printed as ``file:line: field: message``."""

    path: Path
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        return (
            f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        )


@dataclass(frozen=True)
class LoadedRubric:
    """A valid rubric with where it came from; ``version`` changes whenever the file does."""

    rubric: Rubric
    path: Path
    version: str


@dataclass
class RubricSet:
    """The rubrics that loaded (by id) and the problems of those that did not."""

    rubrics: dict[str, LoadedRubric] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def ordered(self) -> list[LoadedRubric]:
        """Rubrics in source order (document, then question number), then by id."""

        def key(item: LoadedRubric) -> tuple[str, int, str]:
            source = item.rubric.source
            return (
                (source.document, source.number, item.rubric.id)
                if source
                else ("", 0, item.rubric.id)
            )

        return sorted(self.rubrics.values(), key=key)


def format_loc(loc: Loc) -> str:
    """``("criteria", 2, "points")`` → ``criteria[2].points``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def rubric_from_bytes(
    data: bytes,
    path: Path,
    known_demos: Collection[str] | None = None,
) -> LoadedRubric | list[Problem]:
    """Validate one rubric document given as bytes (a file's content, or an API upload)."""
    try:
        document = parse_yaml(data)
    except YamlReadError as error:
        return [Problem(path, error.line, "", error.message)]
    try:
        rubric = Rubric.model_validate(document)
    except ValidationError as error:
        schema = [
            Problem(
                path,
                line_of(document, tuple(detail["loc"])),
                format_loc(tuple(detail["loc"])),
                _pydantic_message(detail["type"], detail["msg"]),
            )
            for detail in error.errors(include_url=False)
        ]
        # The rest of the file is checked too, so that one run reports every mistake.
        return schema + _problems_beside(document, error, path, known_demos)
    problems = _consistency_problems(rubric, document, path, known_demos, skip=frozenset())
    if problems:
        return problems
    return LoadedRubric(rubric=rubric, path=path, version=hashlib.sha256(data).hexdigest())


def _consistency_problems(
    rubric: Rubric,
    document: object,
    path: Path,
    known_demos: Collection[str] | None,
    skip: frozenset[str],
) -> list[Problem]:
    """check_rubric's problems and the file-name check, leaving out the top-level fields in
    ``skip`` (they failed the schema, so what is checked there is a stand-in)."""
    problems = [
        Problem(path, line_of(document, problem.loc), format_loc(problem.loc), problem.message)
        for problem in check_rubric(rubric, known_demos)
        if str(problem.loc[0]) not in skip
    ]
    if "id" not in skip and path.suffix in RUBRIC_SUFFIXES and path.stem != rubric.id:
        problems.append(
            Problem(
                path,
                line_of(document, ("id",)),
                "id",
                f"is '{rubric.id}' but the file is named '{path.name}'; they must match",
            )
        )
    return problems


# What a field that failed the schema is replaced with while the rest of the file is checked.
_STAND_INS: dict[str, object] = {
    "id": "stand-in",
    "prompt": "?",
    "topic": "?",
    "max_points": 1,
    "reference_answer": "?",
    "criteria": [{"id": "stand-in", "text": "?", "points": 1}],
}
# The points check compares these with one another: one of them failing spoils it.
_POINTS_FIELDS = frozenset({"criteria", "select", "max_points"})


def _problems_beside(
    document: object, error: ValidationError, path: Path, known_demos: Collection[str] | None
) -> list[Problem]:
    """The consistency problems of the fields that did pass the schema."""
    failed = {str(detail["loc"][0]) for detail in error.errors() if detail["loc"]}
    if not isinstance(document, dict) or not failed:
        return []
    data = {key: value for key, value in document.items() if key not in failed}
    for key in failed:
        if key in _STAND_INS:
            data[key] = _STAND_INS[key]
    try:
        stand_in = Rubric.model_validate(data)
    except ValidationError:
        return []
    skip = failed | _POINTS_FIELDS if failed & _POINTS_FIELDS else failed
    problems = _consistency_problems(stand_in, document, path, known_demos, frozenset(skip))
    return [p for p in problems if p.field != "max_points" or not failed & _POINTS_FIELDS]


def _pydantic_message(error_type: str, message: str) -> str:
    if error_type == "extra_forbidden":
        return "unknown field (check its spelling; see docs/rubrics.md for the fields)"
    return for_a_person(message)


def load_rubric_file(
    path: Path,
    known_demos: Collection[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> LoadedRubric | list[Problem]:
    """Read and validate one rubric file; returns the rubric or its problems, never raises."""
    try:
        data = read_bytes_limited(path, max_bytes)
    except YamlReadError as error:
        return [Problem(path, error.line, "", error.message)]
    except OSError as error:
        return [Problem(path, 1, "", f"cannot read: {error.strerror or error}")]
    return rubric_from_bytes(data, path, known_demos)


def rubric_files(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Expand folders into their rubric files (sorted); a missing path is a problem."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                sorted(p for p in path.iterdir() if p.suffix in RUBRIC_SUFFIXES and p.is_file())
            )
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(path, 1, "", "no such file or folder"))
    return files, problems


def load_rubric_set(
    paths: Iterable[Path],
    known_demos: Collection[str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> RubricSet:
    """Load every rubric under ``paths``; question ids must be unique across the set."""
    files, problems = rubric_files(paths)
    result = RubricSet(problems=problems)
    for path in files:
        loaded = load_rubric_file(path, known_demos, max_bytes)
        if isinstance(loaded, list):
            result.problems.extend(loaded)
            continue
        existing = result.rubrics.get(loaded.rubric.id)
        if existing is not None:
            result.problems.append(
                Problem(path, 1, "id", f"'{loaded.rubric.id}' is also the id of {existing.path}")
            )
            continue
        result.rubrics[loaded.rubric.id] = loaded
    return result
