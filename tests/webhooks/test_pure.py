"""Signing, the retry schedule and the SSRF guard (no database, no network)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from grader.webhooks.schedule import RETRY_DELAYS, next_delay
from grader.webhooks.signing import new_secret, signed_headers
from grader.webhooks.urls import UnsafeUrl, check_url


def test_signatures_verify_with_the_standard_library_and_rotation_signs_twice() -> None:
    old, new = new_secret(), new_secret()
    assert old.startswith("whsec_") and old != new
    now = datetime.now(UTC)
    headers = signed_headers("msg_1", now, '{"a":1}', [new, old])
    assert headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        assert Webhook(secret).verify('{"a":1}', headers) == {"a": 1}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify('{"a":1}', headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(new).verify('{"a":2}', headers)


def test_the_retry_schedule_follows_the_spec_then_gives_up() -> None:
    rng = random.Random(0)
    delays = [next_delay(n, rng=rng) for n in range(1, len(RETRY_DELAYS) + 1)]
    for delay, base in zip(delays, RETRY_DELAYS, strict=True):
        assert delay is not None and 0.9 * base <= delay <= 1.1 * base
    assert next_delay(len(RETRY_DELAYS) + 1) is None
    assert next_delay(1, retry_after=120.0, rng=rng) == 120.0  # Retry-After wins when longer
    shortened = next_delay(7, retry_after=1.0, rng=rng)
    assert shortened is not None and shortened >= 270  # and never shortens the schedule
    # Fast at first: a short outage costs seconds, not minutes.
    assert sum(RETRY_DELAYS[:5]) <= 70 and RETRY_DELAYS[0] <= 5


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://10.1.2.3/x", "http://[::1]/x",
     "http://169.254.169.254/latest", "ftp://example.org/x", "not a url",
     "http://[::ffff:0:7f00:1]/", "http://224.0.0.1/", "http://[ff02::1]/", "http://240.0.0.1/",
     "http://[::ffff:0:a01:203]/"],
)  # fmt: skip
def test_private_loopback_and_odd_urls_are_refused(url: str) -> None:
    with pytest.raises(UnsafeUrl):
        check_url(url, allow_private=False)


def test_private_urls_are_allowed_when_the_setting_says_so() -> None:
    check_url("http://127.0.0.1:8080/hook", allow_private=True)
    with pytest.raises(UnsafeUrl):
        check_url("file:///etc/passwd", allow_private=True)
