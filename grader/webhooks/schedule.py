"""When to try a failed delivery again: the Standard Webhooks schedule, with jitter."""

from __future__ import annotations

import random

# The first try is immediate; after each failure wait: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
RETRY_DELAYS = (5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
MAX_RETRY_AFTER = 24 * 3600.0
_JITTER = 0.1


def next_delay(
    attempts_made: int, retry_after: float | None = None, rng: random.Random | None = None
) -> float | None:
    """Seconds until the next try after ``attempts_made`` failed tries, or None: give up."""
    if not 1 <= attempts_made <= len(RETRY_DELAYS):
        return None
    base = RETRY_DELAYS[attempts_made - 1]
    jitter = base * _JITTER * ((rng or random).random() * 2 - 1)
    delay = base + jitter
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay
