"""Bar charts as inline SVG geometry, drawn server-side: no script and no image request."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    length: float  # 0..100, share of the longest bar
    title: str


def bars(values: list[tuple[str, int]], *, title_of: str = "{label}: {value}") -> list[Bar]:
    """Bars scaled to the largest value (all zero: no length)."""
    top = max((value for _, value in values), default=0)
    return [
        Bar(
            label=label,
            value=value,
            length=100.0 * value / top if top else 0.0,
            title=title_of.format(label=label, value=value),
        )
        for label, value in values
    ]
