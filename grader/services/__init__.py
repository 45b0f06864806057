"""Use cases that join the store, the scorer and the learning code (used by api/ and cli)."""
