"""Grading answers against rubrics (pure: numpy and sentence-transformers, no web, no SQL)."""
