"""Webhooks without I/O: secrets, the exact payload, the Standard Webhooks signature, the retry policy.

Kept apart from the worker that does the sending so each rule can be unit-tested on its own and
the worker stays a loop of claim → send → record.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from math import floor
from typing import Any, Literal

from standardwebhooks.webhooks import Webhook

from shared.envelope import SPEC_VERSION, CloudEvent

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
"""Standard Webhooks asks for 24 to 64 random bytes; 32 is an HMAC-SHA256 key's natural size."""

CONTENT_TYPE = "application/json"
"""Structured CloudEvents would be `application/cloudevents+json`; Standard Webhooks receivers and
their verifying libraries expect plain JSON, and the body is the same either way."""


def new_secret() -> str:
    """`whsec_` + base64 of fresh random bytes: the format every Standard Webhooks library reads."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def fingerprint(secret: str) -> str:
    """A short, non-reversible name for a secret, safe to keep in the event log and show operators."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:16]


def structured_payload(ce: CloudEvent) -> str:
    """The CloudEvent in structured JSON form, as text: the exact bytes that are stored, signed and sent.

    Stored as text, not jsonb, because jsonb reorders keys and drops whitespace: a retry must send
    byte for byte what the first attempt sent, or a receiver that logs or hashes bodies would see
    two different messages. Extensions sit at the top level beside the standard attributes, as the
    CloudEvents JSON format requires.
    """
    document: dict[str, Any] = {
        "specversion": SPEC_VERSION,
        "id": ce.id,
        "source": ce.source,
        "type": ce.type,
        "time": ce.time.isoformat(),
        "subject": ce.subject,
        "datacontenttype": "application/json",
        "data": ce.data,
    }
    if ce.subject is None:
        del document["subject"]
    for name, value in ce.extensions.items():
        document.setdefault(name, value)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def signed_headers(secret: str, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """Standard Webhooks headers for one attempt.

    `webhook-id` must stay the same on every retry (receivers deduplicate on it); the timestamp is
    the attempt's own, so a retry is signed afresh and passes the receiver's five-minute tolerance.
    """
    moment = now.astimezone(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(floor(moment.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, moment, body),
        "content-type": CONTENT_TYPE,
    }


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential back-off: base, 2·base, 4·base … capped, up to `max_attempts` in all."""

    max_attempts: int
    base_seconds: float = 1.0
    cap_seconds: float = 3600.0

    def delay(self, attempts_made: int) -> float:
        """Seconds to wait before attempt `attempts_made + 1`."""
        return float(min(self.base_seconds * 2 ** max(attempts_made - 1, 0), self.cap_seconds))

    def after(self, attempts_made: int, ok: bool) -> tuple[Literal["delivered", "pending", "failed"], float]:
        """What becomes of a delivery once its attempt number `attempts_made` got `ok` or not."""
        if ok:
            return "delivered", 0.0
        if attempts_made >= self.max_attempts:
            return "failed", 0.0
        return "pending", self.delay(attempts_made)


def is_success(status_code: int) -> bool:
    """Only 2xx counts. Redirects are not followed (a signed body must not wander to another host)."""
    return 200 <= status_code < 300
