"""What matching one criterion against an answer found: its evidence, or why it was refused."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CriterionMatch:
    """The best admissible evidence for one criterion, and any evidence refused."""

    similarity: float = 0.0  # of the evidence that counts (0 when none counts)
    best_similarity: float = 0.0  # of the closest unit, counted or not
    evidence: str | None = None
    note: str | None = None
    refused_evidence: str | None = None  # a unit that denies or swaps the point
    tie: bool = False
    unit: int | None = None  # index of the evidence unit in ``Analysis.units``
    swap_similarity: float = 0.0  # how close a swapped statement came to the other side's claim
    refused_unit: int | None = None  # the unit of a swapped statement
    swapped_subjects: set[str] = field(default_factory=set)  # whose statements read as swapped
