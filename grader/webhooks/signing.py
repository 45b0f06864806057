"""Standard Webhooks signatures (the `standardwebhooks` package does the cryptography)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Sequence
from datetime import datetime

from standardwebhooks import Webhook


def new_secret() -> str:
    """A fresh endpoint secret in the spec's ``whsec_<base64>`` form."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def signed_headers(
    message_id: str, timestamp: datetime, body: str, signing_secrets: Sequence[str]
) -> dict[str, str]:
    """The three webhook headers; every secret signs (old and new during a rotation)."""
    signatures = " ".join(
        Webhook(secret).sign(message_id, timestamp, body) for secret in signing_secrets
    )
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signatures,
        "content-type": "application/json",
    }
