"""The client against a real Arbiter (API and worker), which `npm test` starts for it.

ARBITER_URL, ARBITER_API_KEY and ARBITER_WEBHOOK_SECRET: the API and a service key for
ARBITER_QUEUE and ARBITER_CAPPED_QUEUE (maxPending 1); ARBITER_REVIEWER_TOKEN and
ARBITER_REVIEWER_ID: a reviewer of ARBITER_QUEUE; ARBITER_RATE_LIMITED_URL: a second API node
on the same database with a per-service rate limit of 2 items a second.
"""

import json
import os
import threading
import time
import unittest
import urllib.request
import uuid

from arbiter_client import (
    ArbiterClient,
    BatchAccepted,
    ErrorCode,
    ModelRef,
    RetryPolicy,
    SubmitItem,
    WebhookVerificationError,
    verify_webhook,
)

from .support import ArbiterAssertions, LocalServer, Reply

ENV = os.environ
#: Reviewers take the highest priority first: items a test decides jump the ones others leave.
DECIDE_ME = 100


def submission(**overrides):
    fields = {
        "external_id": f"ext-{uuid.uuid4().hex[:12]}",
        "model": ModelRef("classifier", "2026-11"),
        "input": {"text": "The parcel arrived broken."},
        "output": {"label": "complaint"},
        "confidence": 0.42,
        "reason": "low_confidence",
        **overrides,
    }
    return SubmitItem(**fields)


def review(path, body=None):
    """A reviewer's call over HTTP: (status, JSON body)."""
    headers = {"Authorization": f"Bearer {ENV['ARBITER_REVIEWER_TOKEN']}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(ENV["ARBITER_URL"] + path, data, headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status, json.loads(answer.read() or b"null")


def decide_next(verdict, output=None):
    """The reviewer claims the next item of the queue and decides it: (item id, decision)."""
    status, claimed = review(f"/api/v1/queues/{ENV['ARBITER_QUEUE']}/claim")
    assert status == 200, (status, claimed)
    body = {"verdict": verdict, **({"output": output} if output is not None else {})}
    status, decided = review(f"/api/v1/claims/{claimed['claim']['token']}/decision", body)
    assert status == 201, (status, decided)
    return claimed["item"]["id"], decided["decision"]


@unittest.skipUnless(ENV.get("ARBITER_URL"), "needs a running Arbiter (npm test starts one)")
class AgainstArbiterTest(ArbiterAssertions):
    def setUp(self):
        self.queue = ENV["ARBITER_QUEUE"]
        self.client = ArbiterClient(ENV["ARBITER_URL"], ENV["ARBITER_API_KEY"])

    def local(self, responder=None, upstream=None):
        server = LocalServer(responder, upstream)
        self.addCleanup(server.close)
        return server

    def test_submit_get_and_idempotent_replay(self):
        body = submission()
        key = str(uuid.uuid4())
        item = self.client.submit(self.queue, body, idempotency_key=key)
        self.assertEqual((item.status, item.queue), ("pending", self.queue))
        self.assertEqual((item.external_id, item.model), (body.external_id, body.model))
        self.assertEqual((item.input, item.output), (body.input, body.output))
        self.assertEqual(item.confidence, 0.42)

        fetched = self.client.get_item(item.id)
        self.assertEqual(fetched, item)
        self.assertEqual([e.action for e in fetched.history], ["item.received"])

        self.assertEqual(self.client.submit(self.queue, body, idempotency_key=key).id, item.id)
        self.assertEqual(self.client.submit(self.queue, body).id, item.id, "same externalId")
        changed = submission(external_id=body.external_id, confidence=0.6)
        self.assertArbiterError(
            422,
            ErrorCode.IDEMPOTENCY_CONFLICT,
            self.client.submit,
            self.queue,
            changed,
            idempotency_key=key,
        )

    def test_a_batch_answers_each_entry_and_refuses_only_the_bad_one(self):
        result = self.client.submit_batch(
            self.queue, [submission(), submission(confidence=2), submission().to_wire()]
        )
        self.assertEqual([r.index for r in result.results], [0, 1, 2])
        self.assertEqual([r.index for r in result.accepted], [0, 2])
        self.assertTrue(all(isinstance(r, BatchAccepted) for r in result.accepted))
        self.assertEqual({r.status for r in result.accepted}, {"pending"})
        (refused,) = result.refused
        self.assertEqual(refused.error.code, "VALIDATION_FAILED")
        self.assertTrue(any("confidence" in d.path for d in refused.error.details))
        self.assertEqual(self.client.get_item(result.accepted[1].id).status, "pending")

    def test_an_item_submitted_for_one_reviewer_names_them_and_goes_to_them_first(self):
        reviewer = ENV["ARBITER_REVIEWER_ID"]
        item = self.client.submit(self.queue, submission(), assignee=reviewer)
        self.assertEqual((item.status, item.assignee_id), ("pending", reviewer))
        self.assertEqual(self.client.get_item(item.id).assignee_id, reviewer)
        # Before anything else in line for them, whatever its priority.
        self.assertEqual(decide_next("approve")[0], item.id)

        raised = self.assertArbiterError(
            400,
            ErrorCode.VALIDATION_FAILED,
            self.client.submit,
            self.queue,
            submission(),
            assignee=str(uuid.uuid4()),
        )
        self.assertEqual([d.path for d in raised.details], ["assignee"])

    def test_errors_carry_the_contract_code(self):
        submit = self.client.submit
        invalid = self.assertArbiterError(
            400, "VALIDATION_FAILED", submit, self.queue, submission(confidence=2)
        )
        self.assertEqual([d.path for d in invalid.details], ["confidence"])
        unknown = {**submission().to_wire(), "unknownField": 1}
        self.assertArbiterError(400, "VALIDATION_FAILED", submit, self.queue, unknown)
        nowhere = str(uuid.uuid4())
        self.assertArbiterError(404, "NOT_FOUND", self.client.get_item, nowhere)
        stranger = ArbiterClient(ENV["ARBITER_URL"], "not-a-key")
        self.assertArbiterError(401, "UNAUTHENTICATED", stranger.get_item, nowhere)

    def test_a_full_queue_answers_rate_limited_and_its_long_retry_after_is_not_waited_out(self):
        capped = ENV["ARBITER_CAPPED_QUEUE"]
        self.assertEqual(self.client.submit(capped, submission()).status, "pending")
        started = time.monotonic()
        refused = self.assertArbiterError(
            429, "RATE_LIMITED", self.client.submit, capped, submission()
        )
        self.assertEqual(refused.retry_after, 60, "no decisions yet: come back in a minute")
        self.assertLess(time.monotonic() - started, 5, "the client did not wait a minute")

    def test_rate_limited_submits_are_retried_after_retry_after_with_their_own_keys(self):
        proxy = self.local(upstream=ENV["ARBITER_RATE_LIMITED_URL"])
        client = ArbiterClient(
            proxy.url,
            ENV["ARBITER_API_KEY"],
            retry=RetryPolicy(attempts=8, base_delay=0.1, max_delay=2),
        )
        items = [client.submit(self.queue, submission()) for _ in range(5)]

        self.assertEqual(len({item.id for item in items}), 5)
        statuses = [seen.status for seen in proxy.seen]
        self.assertIn(429, statuses, "2 items a second: some submits were refused at first")
        self.assertEqual(statuses.count(201), 5, "each item was created once")
        keys = [seen.headers["idempotency-key"] for seen in proxy.seen]
        self.assertEqual(len(set(keys)), 5, "one key per submit, the same across its retries")
        for refused, retry in zip(proxy.seen, proxy.seen[1:]):
            if refused.status == 429:
                key = refused.headers["idempotency-key"]
                self.assertEqual(retry.headers["idempotency-key"], key)
                self.assertGreaterEqual(retry.at - refused.at, 0.95, "Retry-After: 1 was honoured")

    def test_a_submit_whose_answer_was_lost_is_retried_and_arbiter_keeps_one_item(self):
        upstream = []

        def lose_the_first_answer(n, seen):
            answer = proxy.forward(seen)
            upstream.append(answer)
            if n > 1:
                return answer
            body = {"statusCode": 503, "code": "UNAVAILABLE", "message": "connection lost"}
            return Reply(503, body, {"Content-Type": "application/json", "Retry-After": "1"})

        proxy = self.local(lose_the_first_answer, ENV["ARBITER_URL"])
        client = ArbiterClient(proxy.url, ENV["ARBITER_API_KEY"])
        item = client.submit(self.queue, submission())

        self.assertEqual([answer.status for answer in upstream], [201, 200])
        self.assertEqual(json.loads(upstream[0].body)["id"], item.id, "the retry got the original")
        first, retry = proxy.seen
        self.assertEqual(first.headers["idempotency-key"], retry.headers["idempotency-key"])
        self.assertGreaterEqual(retry.at - first.at, 0.95)

    def test_wait_for_decision_returns_what_a_reviewer_decides(self):
        item = self.client.submit(self.queue, submission(priority=DECIDE_ME))
        corrected = {"label": "question"}
        decided = {}

        def reviewer():
            time.sleep(0.5)
            try:
                decided["item"], decided["decision"] = decide_next("correct", corrected)
            except Exception as error:
                decided["error"] = error

        thread = threading.Thread(target=reviewer)
        thread.start()
        decision = self.client.wait_for_decision(item.id, 20, fallback=None, poll_interval=0.1)
        thread.join()
        self.assertNotIn("error", decided)

        self.assertEqual(decided["item"], item.id)
        self.assertIsNotNone(decision)
        self.assertEqual((decision.id, decision.item_id), (decided["decision"]["id"], item.id))
        self.assertEqual((decision.verdict, decision.output), ("correct", corrected))
        patch = [{"op": "replace", "path": "/label", "value": "question"}]
        self.assertEqual(decision.patch, patch)
        self.assertIsNotNone(decision.reviewer_id)
        fetched = self.client.get_item(item.id)
        self.assertEqual((fetched.status, fetched.decision), ("corrected", decision))

    def test_wait_for_decision_falls_back_when_nobody_decides_in_time(self):
        item = self.client.submit(self.queue, submission())
        safe = {"label": "unknown"}
        started = time.monotonic()
        result = self.client.wait_for_decision(item.id, 1.0, fallback=safe, poll_interval=0.1)
        self.assertIs(result, safe)
        self.assertGreaterEqual(time.monotonic() - started, 0.95)
        self.assertEqual(self.client.get_item(item.id).status, "pending", "it waits for a person")

    def test_verify_webhook_accepts_arbiters_signed_webhook_and_refuses_altered_copies(self):
        receiver = self.local()
        item = self.client.submit(
            self.queue, submission(priority=DECIDE_ME, callback_url=f"{receiver.url}/hooks")
        )
        decided_id, _ = decide_next("approve")
        self.assertEqual(decided_id, item.id)
        (hook,) = receiver.wait_for(1, timeout=20)
        secret = ENV["ARBITER_WEBHOOK_SECRET"]

        message = verify_webhook(hook.headers, hook.body, secret)
        self.assertEqual(hook.path, "/hooks")
        self.assertEqual(message.webhook_id, hook.headers["webhook-id"])
        self.assertEqual(message.type, "item.decided")
        self.assertEqual(message.item.id, item.id)
        self.assertEqual(message.decision, self.client.get_item(item.id).decision)
        self.assertEqual(message.decision.verdict, "approve")

        def refused(reason, headers=hook.headers, body=hook.body, **options):
            with self.assertRaises(WebhookVerificationError) as caught:
                verify_webhook(headers, body, secret, **options)
            self.assertEqual(caught.exception.reason, reason)

        refused("NO_MATCHING_SIGNATURE", body=hook.body.replace(b'"approve"', b'"reject"'))
        sent_at = int(hook.headers["webhook-timestamp"])
        refused("TIMESTAMP_OUT_OF_TOLERANCE", now=sent_at + 301)
        old = {**hook.headers, "webhook-timestamp": str(sent_at - 600)}
        refused("TIMESTAMP_OUT_OF_TOLERANCE", headers=old)
        forged = {**hook.headers, "webhook-signature": "v1," + "A" * 43 + "="}
        refused("NO_MATCHING_SIGNATURE", headers=forged)
        other_secret = "whsec_" + "c2VjcmV0LW9mLWFub3RoZXItc2VydmljZQ=="
        with self.assertRaises(WebhookVerificationError):
            verify_webhook(hook.headers, hook.body, other_secret)


if __name__ == "__main__":
    unittest.main()
