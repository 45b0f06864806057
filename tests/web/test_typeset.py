"""Rubric texts typeset for the pages: markdown tables, emphasis, lists and math as MathML,
with nothing of a rubric's raw HTML passing through."""

from __future__ import annotations

from pathlib import Path

from grader.web.typeset import typeset, typeset_inline

EXAM = Path(__file__).parents[2] / "content" / "deep-learning-exam.md"


def test_a_table_with_inline_math_becomes_a_table_with_mathml() -> None:
    html = str(
        typeset("| CNN | RNN |\n|---|--|\n| a grid | a sequence $x(1), \\ldots, x(\\tau)$ |")
    )
    assert "<table>" in html and "<th>CNN</th>" in html
    assert "<math" in html and "τ" in html
    assert "|---|" not in html and "$" not in html and "\\ldots" not in html


def test_display_math_and_emphasis_are_typeset() -> None:
    text = "It **tends to vanish**:\n\n$$\\frac{\\partial E}{\\partial W} = \\sum_t E_t$$"
    html = str(typeset(text))
    assert "<strong>tends to vanish</strong>" in html
    assert 'display="block"' in html and "<mfrac>" in html
    assert "\\frac" not in html and "$$" not in html and "**" not in html


def test_the_bundled_exam_leaves_no_markup_visible() -> None:
    html = str(typeset(EXAM.read_text(encoding="utf-8")))
    visible = html.replace("<", "\n<")  # tags apart from text
    text = "\n".join(line for line in visible.splitlines() if not line.startswith("<"))
    for raw in ("$", "\\frac", "|---", "**"):
        assert raw not in text, raw


def test_raw_html_in_a_rubric_never_reaches_the_page() -> None:
    html = str(
        typeset('<script>alert(1)</script> <img src=x onerror="alert(2)"> [a](javascript:x)')
    )
    assert "<script" not in html and "<img" not in html and "href" not in html
    assert "&lt;script&gt;" in html  # shown as the text it is
    math = str(typeset_inline("$\\text{<script>alert(3)</script>}$"))
    assert "<script" not in math


def test_math_it_cannot_read_is_shown_as_code_not_lost() -> None:
    html = str(typeset_inline("see $\\begin{nonsense}$"))
    assert "nonsense" in html


def test_inline_text_gets_no_paragraph() -> None:
    assert str(typeset_inline("a *key* point")) == "a <em>key</em> point"
    assert str(typeset_inline("")) == ""
