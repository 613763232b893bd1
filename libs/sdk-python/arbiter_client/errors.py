"""What the client raises."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal, TypeAlias

from .models import ErrorDetail


class ErrorCode(StrEnum):
    """The codes of Arbiter's error bodies. ``ArbiterError.code`` is a plain ``str`` (a proxy or
    a newer Arbiter may answer another code) and compares equal to these."""

    VALIDATION_FAILED = "VALIDATION_FAILED"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_CLAIM_HOLDER = "NOT_CLAIM_HOLDER"
    NOT_FOUND = "NOT_FOUND"
    CONFLICT = "CONFLICT"
    CLAIM_EXPIRED = "CLAIM_EXPIRED"
    ALREADY_DECIDED = "ALREADY_DECIDED"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    QUEUE_PAUSED = "QUEUE_PAUSED"
    RATE_LIMITED = "RATE_LIMITED"
    UNAVAILABLE = "UNAVAILABLE"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    INTERNAL_ERROR = "INTERNAL_ERROR"


class ArbiterError(Exception):
    """A non-2xx answer from Arbiter, carrying the contract's error body.

    ``code`` is the contract's code (``VALIDATION_FAILED``, ``IDEMPOTENCY_CONFLICT``,
    ``RATE_LIMITED``, ...) or ``HTTP_<status>`` when the answer did not come from Arbiter (e.g. a
    proxy's). ``retry_after`` is the ``Retry-After`` header in seconds, when there was one.
    """

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        details: list[ErrorDetail] | None = None,
        retry_after: float | None = None,
        error_id: str | None = None,
    ) -> None:
        super().__init__(f"{status_code} {code}: {message}")
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details or []
        self.retry_after = retry_after
        self.error_id = error_id

    @property
    def is_transient(self) -> bool:
        """Overloaded or briefly unavailable: trying again later may succeed."""
        return self.status_code in (429, 503)


class ArbiterConnectionError(Exception):
    """No answer from Arbiter: connection refused or reset, DNS failure, or no answer in time."""


class DecisionTimeoutError(Exception):
    """``wait_for_decision`` ran out of time and the caller gave no fallback."""

    def __init__(self, item_id: str, timeout: float) -> None:
        super().__init__(f"item {item_id} got no decision within {timeout:g} s")
        self.item_id = item_id
        self.timeout = timeout


WebhookFailure: TypeAlias = Literal[
    "MISSING_HEADER",
    "INVALID_SECRET",
    "INVALID_TIMESTAMP",
    "TIMESTAMP_OUT_OF_TOLERANCE",
    "NO_MATCHING_SIGNATURE",
    "INVALID_PAYLOAD",
]


class WebhookVerificationError(Exception):
    """A webhook that must not be trusted: answer it with a 4xx and do not act on it."""

    def __init__(self, reason: WebhookFailure, message: str) -> None:
        super().__init__(message)
        self.reason: WebhookFailure = reason
