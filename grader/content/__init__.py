"""Parse instructors' source Q&A documents (pure: no web framework, no database)."""

from grader.content.document import Block, BulletList, Math, Paragraph, Question, Table
from grader.content.parser import parse_document

__all__ = ["Block", "BulletList", "Math", "Paragraph", "Question", "Table", "parse_document"]
