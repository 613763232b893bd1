"""Standard Webhooks verification of the requests Arbiter sends to a callback URL."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Iterable, Mapping

from .errors import WebhookVerificationError
from .models import Decision, Item

#: How far ``webhook-timestamp`` may be from now, either way, by default (seconds).
DEFAULT_TOLERANCE = 300

_SECRET_PREFIX = "whsec_"
_TIMESTAMP = re.compile(r"^\d{1,15}$")

Headers = Mapping[str, Any] | Iterable[tuple[str, Any]]


@dataclass(frozen=True)
class WebhookMessage:
    """A verified webhook; ``webhook_id`` stays the same across retries and replays.

    ``type`` is ``item.decided`` (then ``item`` and ``decision`` are set) or, for a queue's
    ``alertUrl``, ``model.drift_detected``; ``data`` is the payload's ``data`` as sent.
    """

    webhook_id: str
    type: str
    timestamp: datetime
    data: dict[str, Any]
    item: Item | None = None
    decision: Decision | None = None


def verify_webhook(
    headers: Headers,
    body: bytes | str,
    secret: str,
    *,
    tolerance: float = DEFAULT_TOLERANCE,
    now: float | datetime | None = None,
) -> WebhookMessage:
    """Checks a request Arbiter sent and returns its payload; else raises WebhookVerificationError.

    The HMAC-SHA256 of ``{webhook-id}.{webhook-timestamp}.{body}``, keyed with the base64-decoded
    part of ``secret`` after ``whsec_``, must match one of the space-separated ``v1,<base64>``
    entries of ``webhook-signature`` (compared in constant time), and ``webhook-timestamp`` must be
    within ``tolerance`` seconds of ``now`` (a Unix time or a datetime; the clock by default). Pass
    the body exactly as received, before any JSON parsing. ``headers`` may be a dict (any case),
    the headers of ``http.server`` or of WSGI and ASGI frameworks, or (name, value) pairs.
    """
    webhook_id = _header(headers, "webhook-id")
    timestamp = _header(headers, "webhook-timestamp")
    signatures = _header(headers, "webhook-signature")
    if not webhook_id or not timestamp or not signatures:
        raise WebhookVerificationError(
            "MISSING_HEADER", "webhook-id, webhook-timestamp and webhook-signature are required"
        )
    if not _TIMESTAMP.match(timestamp):
        raise WebhookVerificationError(
            "INVALID_TIMESTAMP", "webhook-timestamp is not a Unix time in seconds"
        )
    current = time.time() if now is None else now
    if isinstance(current, datetime):
        current = current.timestamp()
    if abs(current - int(timestamp)) > tolerance:
        raise WebhookVerificationError(
            "TIMESTAMP_OUT_OF_TOLERANCE",
            f"webhook-timestamp is more than {tolerance:g} s away from now",
        )

    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    expected = _signature(secret, webhook_id, timestamp, raw).encode("ascii")
    matched = False
    for entry in signatures.split(" "):
        version, _, signature = entry.partition(",")
        if version == "v1" and hmac.compare_digest(signature.encode("utf-8"), expected):
            matched = True
    if not matched:
        raise WebhookVerificationError("NO_MATCHING_SIGNATURE", "no webhook-signature matches")

    try:
        payload = json.loads(raw)
        data = payload["data"]
        if not isinstance(data, dict):
            raise TypeError("data is not an object")
        message = WebhookMessage(
            webhook_id=webhook_id,
            type=payload["type"],
            timestamp=datetime.fromisoformat(payload["timestamp"]),
            data=data,
        )
        if message.type == "item.decided":
            message = replace(
                message,
                item=Item.from_wire(data["item"]),
                decision=Decision.from_wire(data["decision"]),
            )
    except (ValueError, KeyError, TypeError) as error:
        raise WebhookVerificationError(
            "INVALID_PAYLOAD", f"the signed body is not an Arbiter webhook: {error!r}"
        ) from None
    return message


def sign_webhook(secret: str, webhook_id: str, timestamp: int, body: bytes | str) -> str:
    """The ``webhook-signature`` Arbiter would send for this message, for a receiver's tests.

    ``timestamp`` is in Unix seconds.
    """
    raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
    return "v1," + _signature(secret, webhook_id, str(timestamp), raw)


def _signature(secret: str, webhook_id: str, timestamp: str, body: bytes) -> str:
    encoded = secret[len(_SECRET_PREFIX):] if secret.startswith(_SECRET_PREFIX) else secret
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise WebhookVerificationError(
            "INVALID_SECRET", "the webhook secret is not base64"
        ) from None
    if not key:
        raise WebhookVerificationError("INVALID_SECRET", "the webhook secret is empty")
    signed = f"{webhook_id}.{timestamp}.".encode("utf-8") + body
    return base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")


def _header(headers: Headers, name: str) -> str | None:
    if isinstance(headers, Mapping) or hasattr(headers, "items"):
        pairs: Iterable[tuple[str, Any]] = headers.items()
    else:
        pairs = headers
    values: list[Any] = []
    for key, value in pairs:
        if isinstance(key, bytes):
            key = key.decode("latin-1")
        if key.lower() != name:
            continue
        if isinstance(value, bytes):
            value = value.decode("latin-1")
        values.extend(value if isinstance(value, (list, tuple)) else [value])
    return " ".join(str(v) for v in values) if values else None
