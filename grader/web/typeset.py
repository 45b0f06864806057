"""What students and instructors read, typeset: rubric texts are markdown with LaTeX math
(tables, emphasis, lists, ``$x$`` and ``$$…$$``), rendered here to HTML with MathML, on the
server (no CDN, no script), and sanitised, so no raw HTML from a rubric reaches a page."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

# MathML Core's elements and the attributes latex2mathml writes; everything else is dropped.
_MATH_TAGS = {
    "math", "mi", "mn", "mo", "ms", "mtext", "mrow", "msub", "msup", "msubsup", "mfrac",
    "msqrt", "mroot", "mstyle", "mspace", "mtable", "mtr", "mtd", "munder", "mover",
    "munderover", "mpadded", "mphantom", "menclose", "semantics", "annotation", "merror",
}  # fmt: skip
_MATH_ATTRIBUTES = {
    "display", "mathvariant", "stretchy", "fence", "separator", "largeop", "movablelimits",
    "form", "accent", "accentunder", "linethickness", "lspace", "rspace", "width", "height",
    "depth", "minsize", "maxsize", "symmetric", "displaystyle", "scriptlevel", "columnalign",
    "rowalign", "columnspan", "rowspan", "notation", "encoding",
}  # fmt: skip
_TAGS = {
    "p", "br", "em", "strong", "code", "pre", "ul", "ol", "li", "blockquote", "table",
    "thead", "tbody", "tr", "th", "td", "span", "del", "sub", "sup", "hr", "h3", "h4",
} | _MATH_TAGS  # fmt: skip
_ATTRIBUTES = {
    "ol": {"start"},
    "span": {"class"},
    "th": {"style"},
    "td": {"style"},
    "math": {"xmlns"},
    **{tag: _MATH_ATTRIBUTES for tag in _MATH_TAGS},
}
# Links are not rendered: rubric texts are read, not followed (and a link is a phishing lure).
_DISABLED_RULES = ["link", "image", "autolink", "html_inline", "html_block", "heading", "lheading"]


def _math(content: str, options: dict[str, Any]) -> str:
    """LaTeX as MathML; what latex2mathml cannot read stays visible as code, not lost."""
    from latex2mathml.converter import convert

    display = "block" if options.get("display_mode") else "inline"
    try:
        return convert(content.strip(), display=display)
    except Exception:  # latex2mathml raises many kinds for input it does not know
        return f'<code class="math-source">{escape(content)}</code>'


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable("table").enable("strikethrough").disable(_DISABLED_RULES)
    parser.use(dollarmath_plugin, renderer=_math, double_inline=True, allow_digits=False)
    return parser


def _clean(html: str) -> Markup:
    cleaned = nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES, link_rel=None)
    return Markup(cleaned)  # sanitised just above


@lru_cache(maxsize=4096)  # the same rubric texts are shown on every page
def typeset(text: str | None) -> Markup:
    """A block of rubric text (a reference answer, a note) as sanitised HTML."""
    if not text:
        return Markup("")
    return _clean(_markdown().render(text))


@lru_cache(maxsize=4096)
def typeset_inline(text: str | None) -> Markup:
    """A line of rubric text (a key point, a hint, a prompt) as sanitised inline HTML: emphasis,
    code and math, no paragraphs (a table or list in it is read as plain text)."""
    if not text:
        return Markup("")
    return _clean(_markdown().renderInline(text))
