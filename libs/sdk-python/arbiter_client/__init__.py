"""Client for Arbiter, the human review queue for AI outputs.

Submit outputs for review, wait for the decisions, verify Arbiter's webhooks.
"""

from .client import ArbiterClient, RetryPolicy, __version__
from .errors import (
    ArbiterConnectionError,
    ArbiterError,
    DecisionTimeoutError,
    ErrorCode,
    WebhookFailure,
    WebhookVerificationError,
)
from .models import (
    TERMINAL_STATUSES,
    AuditEvent,
    BatchAccepted,
    BatchRefused,
    BatchResult,
    Decision,
    ErrorDetail,
    Item,
    ItemStatus,
    JsonValue,
    ModelRef,
    Reason,
    Refusal,
    SubmitItem,
    Verdict,
)
from .webhooks import DEFAULT_TOLERANCE, WebhookMessage, sign_webhook, verify_webhook

__all__ = [
    "ArbiterClient",
    "ArbiterConnectionError",
    "ArbiterError",
    "AuditEvent",
    "BatchAccepted",
    "BatchRefused",
    "BatchResult",
    "DEFAULT_TOLERANCE",
    "Decision",
    "DecisionTimeoutError",
    "ErrorCode",
    "ErrorDetail",
    "Item",
    "ItemStatus",
    "JsonValue",
    "ModelRef",
    "Reason",
    "Refusal",
    "RetryPolicy",
    "SubmitItem",
    "TERMINAL_STATUSES",
    "Verdict",
    "WebhookFailure",
    "WebhookMessage",
    "WebhookVerificationError",
    "__version__",
    "sign_webhook",
    "verify_webhook",
]
