"""When to try a failed delivery again: fast at first, so that a short outage costs seconds,
then the Standard Webhooks tail (5 min ... 10 h), with jitter."""

from __future__ import annotations

import random

# The first try is immediate; after each failure wait: 2 s, 5 s, 10 s, 20 s, 30 s, 1 min (a
# receiver back after an outage of a minute gets everything within about 30 s), then 5 min,
# 30 min, 2 h, 5 h, 10 h and 10 h (about 28 h in all), then give up.
RETRY_DELAYS = (
    2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0,
)  # fmt: skip
# A delivery that has failed this often (about 40 s of tries) no longer holds back its
# student's later events: order is kept through short outages, and one failing event (a
# receiver that refuses it, a redirect) does not hold the others for minutes or hours.
ORDER_HOLD_TRIES = 5
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
