"""The JSON Arbiter sends and takes, as dataclasses with snake_case fields.

Answers may gain fields in newer versions of Arbiter: reading ignores what it does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Mapping, TypeAlias, Union

JsonValue: TypeAlias = Union[
    None, bool, int, float, str, list["JsonValue"], dict[str, "JsonValue"]
]

ItemStatus: TypeAlias = Literal[
    "pending",
    "claimed",
    "approved",
    "corrected",
    "rejected",
    "auto_approved",
    "fallback",
    "escalated",
]
Reason: TypeAlias = Literal["low_confidence", "model_error", "policy", "other"]
Verdict: TypeAlias = Literal["approve", "correct", "reject", "fallback", "auto_approve"]

#: Statuses after which an item never changes again and carries its decision.
TERMINAL_STATUSES: frozenset[str] = frozenset(
    {"approved", "corrected", "rejected", "auto_approved", "fallback"}
)


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@dataclass(frozen=True)
class ModelRef:
    name: str
    version: str

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> ModelRef:
        return cls(name=wire["name"], version=wire["version"])


@dataclass(frozen=True)
class ErrorDetail:
    """One problem of a ``VALIDATION_FAILED`` answer: where (``path``) and what."""

    path: str
    message: str

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> ErrorDetail:
        return cls(path=str(wire.get("path", "")), message=str(wire.get("message", "")))


@dataclass(frozen=True)
class SubmitItem:
    """An AI output to review: ``output`` may be left out only for ``reason="model_error"``."""

    external_id: str
    model: ModelRef
    input: JsonValue
    reason: Reason
    output: JsonValue = None
    confidence: float | None = None
    priority: int | None = None
    metadata: dict[str, JsonValue] | None = None
    callback_url: str | None = None
    #: A user id: only this reviewer (an enabled reviewer of the queue) may claim the item.
    assignee: str | None = None

    def to_wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "externalId": self.external_id,
            "model": {"name": self.model.name, "version": self.model.version},
            "input": self.input,
            "reason": self.reason,
        }
        optional = {
            "output": self.output,
            "confidence": self.confidence,
            "priority": self.priority,
            "metadata": self.metadata,
            "callbackUrl": self.callback_url,
            "assignee": self.assignee,
        }
        wire.update({k: v for k, v in optional.items() if v is not None})
        return wire


@dataclass(frozen=True)
class Decision:
    """The final word on an item.

    ``output`` is the final output (``None`` for ``reject``); ``patch`` the RFC 6902 JSON Patch
    from the AI's output to it (``[]`` for ``approve``). ``reviewer_id`` is ``None`` for an SLA
    fallback or an auto-approval.
    """

    id: str
    item_id: str
    verdict: Verdict
    output: JsonValue
    patch: list[dict[str, Any]] | None
    reviewer_id: str | None
    comment: str | None
    decided_at: datetime
    duration_ms: int | None

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Decision:
        return cls(
            id=wire["id"],
            item_id=wire["itemId"],
            verdict=wire["verdict"],
            output=wire.get("output"),
            patch=wire.get("patch"),
            reviewer_id=wire.get("reviewerId"),
            comment=wire.get("comment"),
            decided_at=datetime.fromisoformat(wire["decidedAt"]),
            duration_ms=wire.get("durationMs"),
        )


@dataclass(frozen=True)
class AuditEvent:
    """One step of an item's history: ``action`` such as ``item.received`` or ``item.decided``."""

    seq: int
    id: str
    at: datetime
    action: str
    actor: dict[str, Any]
    subject: dict[str, Any]
    data: dict[str, Any]

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> AuditEvent:
        return cls(
            seq=wire["seq"],
            id=wire["id"],
            at=datetime.fromisoformat(wire["at"]),
            action=wire["action"],
            actor=wire.get("actor") or {},
            subject=wire.get("subject") or {},
            data=wire.get("data") or {},
        )


@dataclass(frozen=True)
class Item:
    """An item as Arbiter answers it; ``decision`` is set once the item is terminal."""

    id: str
    queue: str
    status: ItemStatus
    external_id: str
    service: str
    model: ModelRef
    input: JsonValue
    output: JsonValue
    confidence: float | None
    reason: Reason
    priority: int
    metadata: dict[str, JsonValue]
    callback_url: str | None
    sla_deadline: datetime | None
    sla_breached_at: datetime | None
    created_at: datetime
    updated_at: datetime
    decision: Decision | None
    #: The reviewer (user id) the item is assigned to, the only one who may claim it while it is
    #: pending; ``None``: the queue's shared line.
    assignee_id: str | None = None
    #: The item's audit events, oldest first (``get_item`` only).
    history: list[AuditEvent] | None = field(default=None, compare=False)

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Item:
        decision = wire.get("decision")
        history = wire.get("history")
        return cls(
            id=wire["id"],
            queue=wire["queue"],
            status=wire["status"],
            external_id=wire["externalId"],
            service=wire["service"],
            model=ModelRef.from_wire(wire["model"]),
            input=wire.get("input"),
            output=wire.get("output"),
            confidence=wire.get("confidence"),
            reason=wire["reason"],
            priority=wire.get("priority", 0),
            metadata=wire.get("metadata") or {},
            callback_url=wire.get("callbackUrl"),
            sla_deadline=_time(wire.get("slaDeadline")),
            sla_breached_at=_time(wire.get("slaBreachedAt")),
            created_at=datetime.fromisoformat(wire["createdAt"]),
            updated_at=datetime.fromisoformat(wire["updatedAt"]),
            decision=None if decision is None else Decision.from_wire(decision),
            assignee_id=wire.get("assigneeId"),
            history=None if history is None else [AuditEvent.from_wire(e) for e in history],
        )


@dataclass(frozen=True)
class Refusal:
    """Why one entry of a batch was refused: a contract ``code`` such as ``VALIDATION_FAILED``."""

    code: str
    message: str
    details: list[ErrorDetail] = field(default_factory=list)

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Refusal:
        return cls(
            code=wire["code"],
            message=wire.get("message", ""),
            details=[ErrorDetail.from_wire(d) for d in wire.get("details") or []],
        )


@dataclass(frozen=True)
class BatchAccepted:
    index: int
    id: str
    status: ItemStatus


@dataclass(frozen=True)
class BatchRefused:
    index: int
    error: Refusal


@dataclass(frozen=True)
class BatchResult:
    """One result per submitted entry, in order; each entry is accepted or refused on its own."""

    results: list[BatchAccepted | BatchRefused]

    @property
    def accepted(self) -> list[BatchAccepted]:
        return [r for r in self.results if isinstance(r, BatchAccepted)]

    @property
    def refused(self) -> list[BatchRefused]:
        return [r for r in self.results if isinstance(r, BatchRefused)]

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> BatchResult:
        results: list[BatchAccepted | BatchRefused] = []
        for entry in wire["results"]:
            if "error" in entry:
                results.append(BatchRefused(entry["index"], Refusal.from_wire(entry["error"])))
            else:
                results.append(BatchAccepted(entry["index"], entry["id"], entry["status"]))
        return cls(results=results)
