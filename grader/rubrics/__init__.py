"""Rubrics: schema, YAML reading and writing, generation from parsed Q&A (pure)."""
