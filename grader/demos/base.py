"""What a demo is and what running one returns (pure: numpy, torch, matplotlib)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from matplotlib.figure import Figure


class DemoParams(BaseModel):
    """Base of every demo's parameters: unknown names are errors, every value has bounds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed: int = Field(
        default=0, ge=0, le=2**31 - 1, description="Random seed (same seed, same run)"
    )


class DemoResult(BaseModel):
    """The numbers a demo computed, and what they show."""

    demo: str
    params: dict[str, Any]
    series: dict[str, list[float]] = Field(default_factory=dict)
    matrices: dict[str, list[list[float]]] = Field(default_factory=dict)
    summary: dict[str, float] = Field(default_factory=dict)
    explanation: str


@dataclass(frozen=True)
class Demo:
    """A registered demo: ``run`` computes, ``plot`` draws a result onto a figure."""

    id: str
    title: str
    questions: tuple[str, ...]  # ids of the questions it explains
    params: type[DemoParams]
    run: Callable[[Any], DemoResult]
    plot: Callable[[DemoResult, Figure], None]  # matplotlib is imported only to draw
    summary: str
