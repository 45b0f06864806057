"""The demos, how to run them safely, and how to draw them.

Runs are bounded: every parameter has hard limits (and costly ones a joint budget), and at most
``max_concurrent`` runs happen at once; a run beyond that is refused at once rather than queued,
so demos cannot be used to exhaust the server. Results for default parameters are cached.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from pydantic import ValidationError

from grader.demos import attention, esn, gan, gradients, long_term, rnn_vs_cnn
from grader.demos.base import Demo, DemoParams, DemoResult
from grader.errors import GraderError, for_a_person
from grader.rubrics.points import counted

T = TypeVar("T")

DEMOS: dict[str, Demo] = {
    demo.id: demo
    for demo in (
        gradients.DEMO,
        long_term.DEMO,
        esn.DEMO,
        rnn_vs_cnn.DEMO,
        attention.DEMO,
        gan.DEMO,
    )
}


class UnknownDemo(GraderError):
    def __init__(self, demo_id: str) -> None:
        super().__init__(f"no demo '{demo_id}' (known: {', '.join(sorted(DEMOS))})")


class InvalidDemoParams(GraderError):
    """Parameters out of bounds or unknown; ``problems`` names each parameter."""

    def __init__(self, demo_id: str, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__(
            f"{demo_id}: " + "; ".join(f"{name}: {message}" for name, message in problems)
        )


class DemoBusy(GraderError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"{counted(limit, 'demo run')} already in progress; try again in a moment")


def demo_ids() -> frozenset[str]:
    return frozenset(DEMOS)


def demo_for_questions() -> dict[str, str]:
    """Question id → the (first) demo that explains it: what generation links rubrics to."""
    links: dict[str, str] = {}
    for demo in DEMOS.values():
        for question_id in demo.questions:
            links.setdefault(question_id, demo.id)
    return links


def get_demo(demo_id: str) -> Demo:
    demo = DEMOS.get(demo_id)
    if demo is None:
        raise UnknownDemo(demo_id)
    return demo


def parse_params(demo: Demo, raw: Mapping[str, Any]) -> DemoParams:
    """Validate raw parameters; every problem names its parameter and the allowed range."""
    try:
        return demo.params.model_validate(dict(raw))
    except ValidationError as error:
        problems = []
        for detail in error.errors(include_url=False):
            name = ".".join(str(part) for part in detail["loc"]) or "parameters"
            message = for_a_person(detail["msg"])
            problems.append((name, _with_range(demo.params, name, message)))
        raise InvalidDemoParams(demo.id, problems) from error


def parse_value(text: str) -> Any:
    """A parameter value typed as text: JSON when it parses ("3", "0.5", "[2, 5]"), else text."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _with_range(params: type[DemoParams], name: str, message: str) -> str:
    field = params.model_fields.get(name.split(".")[0])
    if field is None:
        return f"{message} (known parameters: {', '.join(params.model_fields)})"
    bounds = [
        f"{symbol} {getattr(item, attr)}"
        for item in field.metadata
        for attr, symbol in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<"))
        if getattr(item, attr, None) is not None
    ]
    return f"{message} (allowed: {', '.join(bounds)})" if bounds else message


class DemoRunner:
    """Runs demos with a concurrency limit and a cache of default-parameter results."""

    def __init__(self, max_concurrent: int = 2) -> None:
        self.max_concurrent = max_concurrent
        self._slots = threading.BoundedSemaphore(max_concurrent)
        self._defaults: dict[str, DemoResult] = {}
        self._default_pngs: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def run(self, demo: Demo, params: DemoParams) -> DemoResult:
        """Run ``demo``; raises :class:`DemoBusy` when every slot is taken."""
        return self._kept_or_made(self._defaults, demo, params, self._result)

    def png(self, demo: Demo, params: DemoParams) -> bytes:
        """Run and draw ``demo`` inside one slot (drawing is as heavy as running); the picture
        of the default parameters is drawn once and kept."""

        def draw(demo: Demo, params: DemoParams) -> bytes:
            return render_png(demo, self._result(demo, params))

        return self._kept_or_made(self._default_pngs, demo, params, draw)

    def _result(self, demo: Demo, params: DemoParams) -> DemoResult:
        """A run inside a slot already held: the kept default result when there is one."""
        with self._lock:
            kept = self._defaults.get(demo.id) if params == demo.params() else None
        return kept if kept is not None else demo.run(params)

    def _kept_or_made(
        self,
        kept: dict[str, T],
        demo: Demo,
        params: DemoParams,
        make: Callable[[Demo, DemoParams], T],
    ) -> T:
        """The default parameters' product kept in ``kept``, else made inside a slot."""
        is_default = params == demo.params()
        if is_default:
            with self._lock:
                found = kept.get(demo.id)
            if found is not None:
                return found
        if not self._slots.acquire(blocking=False):
            raise DemoBusy(self.max_concurrent)
        try:
            made = make(demo, params)
        finally:
            self._slots.release()
        if is_default:
            with self._lock:
                kept[demo.id] = made
        return made


def render_png(demo: Demo, result: DemoResult) -> bytes:
    """Draw a result as a PNG (matplotlib's Agg backend, no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    demo.plot(result, figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
