"""Read any supported question document, chosen by its file extension."""

from __future__ import annotations

from pathlib import Path

from grader.content.document import ParsedDocument
from grader.errors import ContentError

MARKDOWN = (".md", ".markdown", ".txt")
SUPPORTED = (*MARKDOWN, ".docx", ".xml", ".gift")


def load_document(path: Path, name: str | None = None, *, strict: bool = False) -> ParsedDocument:
    """The questions of ``path``: markdown, Word, Moodle XML or GIFT (``strict``: a markdown
    or Word question that cannot be read stops the whole document; else it is skipped).

    Raises:
        ContentError: an unsupported extension, or a document that cannot be read.
    """
    from grader.content.parser import read_document

    source = name or path.as_posix()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise ContentError(
            source,
            1,
            f"cannot read '{suffix or path.name}' files; supported: {', '.join(SUPPORTED)} "
            "(markdown, Word, Moodle XML, GIFT)",
        )
    if suffix == ".docx":
        from docx.opc.exceptions import PackageNotFoundError

        from grader.content.importers.docx import docx_to_markdown

        try:
            markdown = docx_to_markdown(path)
        except (PackageNotFoundError, KeyError, ValueError, OSError) as error:
            raise ContentError(source, 1, f"not a readable .docx file: {error}") from error
        return read_document(markdown, source, strict=strict)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ContentError(source, 1, "not UTF-8 text") from error
    if suffix == ".xml":
        from grader.content.importers.moodle import read_moodle_xml

        return read_moodle_xml(text, source)
    if suffix == ".gift":
        from grader.content.importers.gift import read_gift

        return read_gift(text, source)
    return read_document(text, source, strict=strict)
