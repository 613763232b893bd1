"""The client against scripted local servers: retries, failures, waiting and falling back."""

import json
import time
import unittest
from dataclasses import replace
from email.utils import formatdate

from arbiter_client import (
    ArbiterClient,
    ArbiterConnectionError,
    DecisionTimeoutError,
    ErrorCode,
    ModelRef,
    RetryPolicy,
    SubmitItem,
)

from .support import ArbiterAssertions, LocalServer, Reply, SilentServer, closed_port_url
from .test_webhooks import DECISION, ITEM

FAST = RetryPolicy(attempts=4, base_delay=0.02, max_delay=2.0)
PENDING = {**ITEM, "status": "pending", "decision": None}
SUBMISSION = SubmitItem(
    external_id="m-1",
    model=ModelRef("classifier", "1"),
    input={"text": "Where is my refund?"},
    output={"label": "delivery"},
    confidence=0.4,
    reason="low_confidence",
)


def error(status, code, retry_after=None, **extra):
    headers = {"Content-Type": "application/json"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    body = {"statusCode": status, "code": code, "message": f"{code} happened", **extra}
    return Reply(status, body, headers)


def http_date(unix_time):
    return formatdate(unix_time, usegmt=True)


def script(*replies):
    """Answers the n-th request with the n-th reply (or what it makes); the last one repeats."""

    def responder(n, seen):
        reply = replies[min(n, len(replies)) - 1]
        return reply() if callable(reply) else reply

    return responder


class ClientTest(ArbiterAssertions):
    def serve(self, *replies):
        server = LocalServer(script(*replies))
        self.addCleanup(server.close)
        return server, ArbiterClient(server.url, "key-1", retry=FAST)

    def test_submit_sends_the_wire_form_and_reads_a_typed_item(self):
        server, client = self.serve(Reply(201, PENDING))
        item = client.submit("support", SUBMISSION)
        (seen,) = server.seen
        self.assertEqual((seen.method, seen.path), ("POST", "/api/v1/queues/support/items"))
        self.assertEqual(seen.headers["x-api-key"], "key-1")
        self.assertEqual(seen.headers["content-type"], "application/json")
        self.assertRegex(seen.headers["idempotency-key"], r"^[0-9a-f-]{36}$")
        self.assertEqual(
            json.loads(seen.body),
            {
                "externalId": "m-1",
                "model": {"name": "classifier", "version": "1"},
                "input": {"text": "Where is my refund?"},
                "output": {"label": "delivery"},
                "confidence": 0.4,
                "reason": "low_confidence",
            },
        )
        self.assertEqual((item.id, item.status, item.is_terminal), (ITEM["id"], "pending", False))
        self.assertEqual(item.model, ModelRef("classifier", "1"))
        self.assertIsNone(item.decision)

    def test_submit_for_one_reviewer_sends_the_assignee_and_reads_it_back(self):
        reviewer = "0f4c2a8e-3b1d-4c5e-9a7f-2d6b8e1c4a90"
        assigned = {**PENDING, "assigneeId": reviewer}
        server, client = self.serve(Reply(201, assigned), Reply(200, PENDING))
        item = client.submit("support", SUBMISSION, assignee=reviewer)
        (seen,) = server.seen
        self.assertEqual(json.loads(seen.body), {**SUBMISSION.to_wire(), "assignee": reviewer})
        self.assertEqual(item.assignee_id, reviewer)
        self.assertEqual(replace(SUBMISSION, assignee=reviewer).to_wire()["assignee"], reviewer)
        self.assertNotIn("assignee", SUBMISSION.to_wire())
        self.assertIsNone(client.get_item(ITEM["id"]).assignee_id, "an item in the shared line")

    def test_429_is_retried_after_retry_after_with_the_same_idempotency_key(self):
        server, client = self.serve(
            error(429, "RATE_LIMITED", retry_after="1"),
            lambda: error(503, "UNAVAILABLE", retry_after=http_date(time.time() + 2)),
            Reply(201, PENDING),
        )
        item = client.submit("support", SUBMISSION, idempotency_key="my-key")
        self.assertEqual(item.id, ITEM["id"])
        first, second, third = server.seen
        self.assertEqual({s.headers["idempotency-key"] for s in server.seen}, {"my-key"})
        self.assertEqual(first.body, third.body)
        self.assertGreaterEqual(second.at - first.at, 0.95, "waited the Retry-After of 1 s")
        self.assertGreaterEqual(third.at - second.at, 0.9, "waited until the Retry-After date")

    def test_503_without_retry_after_backs_off_and_gives_up_after_the_attempts(self):
        server, client = self.serve(error(503, "UNAVAILABLE"))
        raised = self.assertArbiterError(503, "UNAVAILABLE", client.get_item, ITEM["id"])
        self.assertEqual(len(server.seen), 4)
        self.assertIsNone(raised.retry_after)

    def test_a_retry_after_longer_than_max_delay_ends_the_retries_at_once(self):
        server, client = self.serve(error(429, "RATE_LIMITED", retry_after="60"))
        started = time.monotonic()
        raised = self.assertArbiterError(429, ErrorCode.RATE_LIMITED, client.submit, "q", {})
        self.assertLess(time.monotonic() - started, 1)
        self.assertEqual(len(server.seen), 1)
        self.assertEqual(raised.retry_after, 60)

    def test_an_idempotent_request_still_in_flight_is_retried(self):
        server, client = self.serve(error(409, "IDEMPOTENCY_CONFLICT"), Reply(200, PENDING))
        self.assertEqual(client.submit("support", SUBMISSION).id, ITEM["id"])
        self.assertEqual(len(server.seen), 2)

    def test_client_errors_are_raised_at_once_with_the_contract_code(self):
        server, client = self.serve(
            error(400, "VALIDATION_FAILED", details=[{"path": "confidence", "message": "max 1"}]),
            error(422, "IDEMPOTENCY_CONFLICT"),
            error(500, "INTERNAL_ERROR", errorId="e-1"),
            Reply(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}),
        )
        raised = self.assertArbiterError(400, "VALIDATION_FAILED", client.submit, "q", SUBMISSION)
        self.assertEqual(raised.details[0].path, "confidence")
        self.assertEqual(str(raised), "400 VALIDATION_FAILED: VALIDATION_FAILED happened")
        self.assertArbiterError(422, "IDEMPOTENCY_CONFLICT", client.submit, "q", SUBMISSION)
        raised = self.assertArbiterError(500, "INTERNAL_ERROR", client.get_item, ITEM["id"])
        self.assertEqual(raised.error_id, "e-1")
        raised = self.assertArbiterError(502, "HTTP_502", client.get_item, ITEM["id"])
        self.assertIn("Bad Gateway", raised.message)
        self.assertEqual(len(server.seen), 4, "none of them was retried")

    def test_redirects_are_not_followed(self):
        server, client = self.serve(Reply(307, b"", {"Location": "http://127.0.0.1:9/elsewhere"}))
        self.assertArbiterError(307, "HTTP_307", client.get_item, ITEM["id"])
        self.assertEqual(len(server.seen), 1)

    def test_an_unreachable_arbiter_raises_a_connection_error_after_the_retries(self):
        client = ArbiterClient(closed_port_url(), "key-1", retry=FAST)
        with self.assertRaises(ArbiterConnectionError):
            client.submit("support", SUBMISSION)

    def test_path_segments_are_escaped(self):
        server, client = self.serve(Reply(200, PENDING))
        client.get_item("../queues?x=1")
        self.assertEqual(server.seen[0].path, "/api/v1/items/..%2Fqueues%3Fx%3D1")

    def test_wait_for_decision_polls_with_backoff_until_the_item_is_terminal(self):
        decided = {**ITEM, "status": "corrected", "decision": DECISION}
        server, client = self.serve(Reply(200, PENDING), Reply(200, PENDING), Reply(200, decided))
        decision = client.wait_for_decision(ITEM["id"], 10, poll_interval=0.1)
        self.assertEqual((decision.verdict, decision.output), ("correct", {"label": "billing"}))
        first, second, third = server.seen
        self.assertGreaterEqual(second.at - first.at, 0.1)
        self.assertGreaterEqual(third.at - second.at, 0.15, "the interval grows")

    def test_wait_for_decision_rides_through_overload_and_raises_what_waiting_cannot_fix(self):
        decided = {**ITEM, "status": "approved", "decision": {**DECISION, "verdict": "approve"}}
        _, client = self.serve(error(503, "UNAVAILABLE"), Reply(200, decided))
        decision = client.wait_for_decision(ITEM["id"], 5, poll_interval=0.05)
        self.assertEqual(decision.verdict, "approve")
        _, client = self.serve(error(404, "NOT_FOUND"))
        started = time.monotonic()
        self.assertArbiterError(
            404, "NOT_FOUND", client.wait_for_decision, ITEM["id"], 5, fallback="safe"
        )
        self.assertLess(time.monotonic() - started, 1)

    def test_wait_for_decision_falls_back_when_arbiter_is_unreachable_or_silent(self):
        silent = SilentServer()
        self.addCleanup(silent.close)
        for url in (closed_port_url(), silent.url):
            client = ArbiterClient(url, "key-1", retry=FAST)
            started = time.monotonic()
            result = client.wait_for_decision(ITEM["id"], 1.0, fallback=None, poll_interval=0.1)
            elapsed = time.monotonic() - started
            self.assertIsNone(result)
            self.assertGreaterEqual(elapsed, 0.95, url)
            self.assertLess(elapsed, 2.5, f"{url}: fell back after {elapsed:.2f} s")

    def test_wait_for_decision_without_a_fallback_raises_on_timeout(self):
        _, client = self.serve(Reply(200, PENDING))
        with self.assertRaises(DecisionTimeoutError) as caught:
            client.wait_for_decision(ITEM["id"], 0.3, poll_interval=0.05)
        self.assertEqual(caught.exception.item_id, ITEM["id"])

    def test_only_http_urls_and_sane_policies_are_taken(self):
        with self.assertRaises(ValueError):
            ArbiterClient("ftp://arbiter", "key")
        with self.assertRaises(ValueError):
            RetryPolicy(attempts=0)
        policy = RetryPolicy(attempts=5, base_delay=1, max_delay=3)
        self.assertEqual([policy.backoff(n, lambda: 1.0) for n in (1, 2, 3, 4)], [1, 2, 3, 3])
        self.assertEqual(policy.backoff(2, lambda: 0.0), 1)


if __name__ == "__main__":
    unittest.main()
