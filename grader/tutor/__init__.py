"""Practice scheduling and progress (pure: no web framework, no database)."""
