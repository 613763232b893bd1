"""The client a service uses to send AI outputs to Arbiter for human review."""

from __future__ import annotations

import http.client
import json
import random
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import Message
from email.utils import parsedate_to_datetime
from typing import Any, Callable, Mapping, Sequence, TypeVar, overload

from .errors import ArbiterConnectionError, ArbiterError, DecisionTimeoutError
from .models import BatchResult, Decision, ErrorDetail, Item, SubmitItem

__version__ = "0.1.0"

F = TypeVar("F")


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of 429, 503, a 409 ``IDEMPOTENCY_CONFLICT`` (the first request with that key is
    still in flight) and connection failures.

    ``attempts`` counts the first try. The wait before a retry is the answer's ``Retry-After``
    when it has one, else a random delay between half and all of ``base_delay * 2**n`` (at most
    ``max_delay``). A ``Retry-After`` longer than ``max_delay`` ends the retries with that error
    at once, so the caller can fall back instead of waiting minutes.
    """

    attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 10.0

    def __post_init__(self) -> None:
        if not isinstance(self.attempts, int) or self.attempts < 1:
            raise ValueError("attempts must be an integer >= 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise ValueError("delays must not be negative")

    def backoff(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after ``failures`` failed tries, when the answer said nothing."""
        ceiling: float = min(self.max_delay, self.base_delay * 2 ** max(0, failures - 1))
        return ceiling / 2 + rand() * ceiling / 2


class _Missing:
    def __repr__(self) -> str:
        return "<no fallback>"


_NO_FALLBACK: Any = _Missing()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would send the API key elsewhere and turn a POST into a GET: it is an error.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class ArbiterClient:
    """A service's client for Arbiter: submit outputs for review, read them, wait for decisions.

    Thread-safe: it keeps no connection or state between calls.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
    ) -> None:
        """``base_url`` is where Arbiter runs (``https://arbiter.example.com``), ``api_key`` the
        service's key; ``timeout`` is how many seconds an attempt may go without an answer."""
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"base_url must be an http(s) URL, not {base_url!r}")
        self._base_url = base_url.rstrip("/")
        self._api_key = api_key
        self._retry = retry or RetryPolicy()
        self._timeout = timeout
        self._opener = urllib.request.build_opener(_NoRedirects)

    def submit(
        self,
        queue: str,
        item: SubmitItem | Mapping[str, Any],
        *,
        idempotency_key: str | None = None,
        assignee: str | None = None,
    ) -> Item:
        """Submits one output and returns the item: created, or the original one when Arbiter has
        seen this request (same ``Idempotency-Key``, or same ``external_id`` in this queue).

        The same ``idempotency_key`` (a random UUID unless given) goes with every retry, so a
        retried submit never makes two items. ``item`` may also be a dict in the wire's camelCase.
        ``assignee`` (a user id, an enabled reviewer of the queue; it wins over the item's own)
        hands the item to that reviewer alone.
        """
        body = _wire(item)
        if assignee is not None:
            body["assignee"] = assignee
        return Item.from_wire(
            self._call(
                "POST",
                f"/api/v1/queues/{_segment(queue)}/items",
                body=body,
                idempotency_key=idempotency_key or str(uuid.uuid4()),
            )
        )

    def submit_batch(
        self,
        queue: str,
        items: Sequence[SubmitItem | Mapping[str, Any]],
        *,
        idempotency_key: str | None = None,
    ) -> BatchResult:
        """Submits up to 500 outputs, each accepted or refused on its own: check every result."""
        return BatchResult.from_wire(
            self._call(
                "POST",
                f"/api/v1/queues/{_segment(queue)}/items/batch",
                body={"items": [_wire(i) for i in items]},
                idempotency_key=idempotency_key or str(uuid.uuid4()),
            )
        )

    def get_item(self, item_id: str) -> Item:
        """The item with its status, its decision once terminal, and its history."""
        return Item.from_wire(self._call("GET", f"/api/v1/items/{_segment(item_id)}"))

    @overload
    def wait_for_decision(
        self,
        item_id: str,
        timeout: float,
        *,
        poll_interval: float = ...,
        max_poll_interval: float = ...,
    ) -> Decision: ...

    @overload
    def wait_for_decision(
        self,
        item_id: str,
        timeout: float,
        *,
        fallback: F,
        poll_interval: float = ...,
        max_poll_interval: float = ...,
    ) -> Decision | F: ...

    def wait_for_decision(
        self,
        item_id: str,
        timeout: float,
        *,
        fallback: Any = _NO_FALLBACK,
        poll_interval: float = 1.0,
        max_poll_interval: float = 5.0,
    ) -> Any:
        """Polls until the item is terminal and returns its decision, for at most ``timeout`` s.

        Returns ``fallback`` (any value, ``None`` included) when the time runs out, and so also
        when Arbiter cannot be reached or is overloaded all that time; without a fallback, raises
        ``DecisionTimeoutError``. Polls start ``poll_interval`` apart and grow by half each time
        up to ``max_poll_interval``; a ``Retry-After`` is honoured. Errors waiting cannot fix
        (``NOT_FOUND``, ``UNAUTHENTICATED``, ...) raise at once.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        interval = poll_interval
        while (left := deadline - time.monotonic()) > 0:
            pause = interval
            try:
                wire = self._call(
                    "GET",
                    f"/api/v1/items/{_segment(item_id)}",
                    attempts=1,
                    timeout=min(self._timeout, left),
                )
                item = Item.from_wire(wire)
                if item.is_terminal and item.decision is not None:
                    return item.decision
            except ArbiterConnectionError:
                pass
            except ArbiterError as error:
                if not error.is_transient:
                    raise
                pause = max(pause, error.retry_after or 0.0)
            interval = min(max_poll_interval, interval * 1.5)
            time.sleep(max(0.0, min(pause, deadline - time.monotonic())))
        if fallback is _NO_FALLBACK:
            raise DecisionTimeoutError(item_id, timeout)
        return fallback

    def _call(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        idempotency_key: str | None = None,
        attempts: int | None = None,
        timeout: float | None = None,
    ) -> Any:
        headers = {
            "Accept": "application/json",
            "X-API-Key": self._api_key,
            "User-Agent": f"arbiter-client-python/{__version__}",
        }
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        request = urllib.request.Request(self._base_url + path, data, headers, method=method)
        tries = attempts or self._retry.attempts
        failures = 0
        while True:
            try:
                return self._attempt(request, timeout or self._timeout)
            except (ArbiterError, ArbiterConnectionError) as failure:
                failures += 1
                if failures >= tries or not _retryable(failure, idempotency_key):
                    raise
                retry_after = getattr(failure, "retry_after", None)
                if retry_after is not None and retry_after > self._retry.max_delay:
                    raise
                if retry_after is None:
                    retry_after = self._retry.backoff(failures)
                time.sleep(retry_after)

    def _attempt(self, request: urllib.request.Request, timeout: float) -> Any:
        what = f"{request.get_method()} {request.full_url}"
        try:
            with self._opener.open(request, timeout=timeout) as response:
                return _json(response.read(), response.headers)
        except urllib.error.HTTPError as answer:
            try:
                text = answer.read()
            except (OSError, http.client.HTTPException):
                text = b""
            finally:
                answer.close()
            raise _error(answer.code, text, answer.headers) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as failure:
            reason = getattr(failure, "reason", None) or failure
            raise ArbiterConnectionError(f"{what}: {reason}") from failure


def _retryable(
    failure: ArbiterError | ArbiterConnectionError, idempotency_key: str | None
) -> bool:
    if isinstance(failure, ArbiterConnectionError) or failure.is_transient:
        return True
    # The first request with this key is still being processed.
    return (
        idempotency_key is not None
        and failure.status_code == 409
        and failure.code == "IDEMPOTENCY_CONFLICT"
    )


def _wire(item: SubmitItem | Mapping[str, Any]) -> Any:
    return item.to_wire() if isinstance(item, SubmitItem) else dict(item)


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _json(raw: bytes, headers: Message) -> Any:
    content_type = headers.get_content_type()
    if not raw or not (content_type == "application/json" or content_type.endswith("+json")):
        return None
    return json.loads(raw)


def _error(status: int, raw: bytes, headers: Message) -> ArbiterError:
    """The contract's error body when there is one; one close to it otherwise (e.g. a proxy's)."""
    retry_after = _retry_after(headers.get("Retry-After"))
    try:
        body = _json(raw, headers)
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        stated = body.get("statusCode")
        return ArbiterError(
            status_code=stated if isinstance(stated, int) else status,
            code=body["code"],
            message=str(body.get("message", "")),
            details=[ErrorDetail.from_wire(d) for d in body.get("details") or []],
            retry_after=retry_after,
            error_id=body.get("errorId"),
        )
    text = raw.decode("utf-8", "replace").strip()[:500]
    message = text or f"HTTP {status}"
    return ArbiterError(status, f"HTTP_{status}", message, retry_after=retry_after)


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or an HTTP date); None if absent or unreadable."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
