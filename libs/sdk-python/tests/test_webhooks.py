import base64
import hashlib
import hmac
import json
import time
import unittest
from datetime import datetime, timezone
from email.message import Message

from arbiter_client import WebhookVerificationError, sign_webhook, verify_webhook

SECRET = "whsec_" + base64.b64encode(b"a secret of thirty-two bytes!!!!").decode()
NOW = 1_767_000_000
DECISION = {
    "id": "0190d1c2-0000-7000-8000-0000000000d1",
    "itemId": "0190d1c2-0000-7000-8000-000000000001",
    "verdict": "correct",
    "output": {"label": "billing"},
    "patch": [{"op": "replace", "path": "/label", "value": "billing"}],
    "reviewerId": "0190d1c2-0000-7000-8000-0000000000a1",
    "comment": None,
    "decidedAt": "2026-11-02T10:00:00.000Z",
    "durationMs": 1200,
}
ITEM = {
    "id": DECISION["itemId"],
    "queue": "support",
    "status": "corrected",
    "externalId": "m-1",
    "service": "triage",
    "model": {"name": "classifier", "version": "1"},
    "input": {"text": "Where is my refund?"},
    "output": {"label": "delivery"},
    "confidence": 0.4,
    "reason": "low_confidence",
    "priority": 0,
    "metadata": {},
    "callbackUrl": "https://triage.example.com/hooks",
    "slaDeadline": None,
    "slaBreachedAt": None,
    "createdAt": "2026-11-02T09:59:00.000Z",
    "updatedAt": "2026-11-02T10:00:00.000Z",
    "decision": DECISION,
    "someFieldOfANewerArbiter": True,
}
BODY = json.dumps(
    {
        "type": "item.decided",
        "timestamp": DECISION["decidedAt"],
        "data": {"item": ITEM, "decision": DECISION},
    }
)


def signed(body=BODY, webhook_id="msg_1", timestamp=NOW, secret=SECRET):
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign_webhook(secret, webhook_id, timestamp, body),
    }


class VerifyWebhookTest(unittest.TestCase):
    def refused(self, reason, headers, body=BODY, secret=SECRET, **options):
        options.setdefault("now", NOW)
        with self.assertRaises(WebhookVerificationError) as caught:
            verify_webhook(headers, body, secret, **options)
        self.assertEqual(caught.exception.reason, reason)

    def test_signature_is_the_standard_webhooks_hmac(self):
        key = base64.b64decode(SECRET.removeprefix("whsec_"))
        mac = hmac.new(key, f"msg_1.{NOW}.{BODY}".encode(), hashlib.sha256).digest()
        self.assertEqual(signed()["webhook-signature"], "v1," + base64.b64encode(mac).decode())

    def test_accepts_a_signed_webhook_and_reads_it(self):
        message = verify_webhook(signed(), BODY.encode(), SECRET, now=NOW)
        self.assertEqual(message.webhook_id, "msg_1")
        self.assertEqual(message.type, "item.decided")
        self.assertEqual(message.timestamp, datetime(2026, 11, 2, 10, tzinfo=timezone.utc))
        self.assertEqual(message.decision.verdict, "correct")
        self.assertEqual(message.decision.output, {"label": "billing"})
        self.assertEqual(message.item.external_id, "m-1")
        self.assertEqual(message.item.status, "corrected")
        self.assertEqual(message.item.decision, message.decision)
        self.assertEqual(message.data["item"]["someFieldOfANewerArbiter"], True)

    def test_accepts_str_and_bytes_bodies_and_any_header_form(self):
        headers = signed()
        mixed_case = {name.title(): value for name, value in headers.items()}
        http_message = Message()
        for name, value in headers.items():
            http_message[name] = value
        asgi = [(name.encode(), value.encode()) for name, value in headers.items()]
        for form in (headers, mixed_case, http_message, asgi):
            for body in (BODY, BODY.encode()):
                self.assertEqual(verify_webhook(form, body, SECRET, now=NOW).webhook_id, "msg_1")

    def test_any_matching_v1_signature_among_several_is_enough(self):
        headers = signed()
        another_key = "whsec_" + base64.b64encode(b"another key").decode()
        other = sign_webhook(another_key, "msg_1", NOW, BODY)
        headers["webhook-signature"] = f"v1a,xyz {other} {headers['webhook-signature']}"
        verify_webhook(headers, BODY, SECRET, now=NOW)

    def test_refuses_a_tampered_body_id_or_timestamp(self):
        self.refused("NO_MATCHING_SIGNATURE", signed(), body=BODY.replace("correct", "approve"))
        self.refused("NO_MATCHING_SIGNATURE", {**signed(), "webhook-id": "msg_2"})
        self.refused("NO_MATCHING_SIGNATURE", {**signed(), "webhook-timestamp": str(NOW + 1)})

    def test_refuses_another_secret_a_bad_signature_or_another_version(self):
        other = "whsec_" + base64.b64encode(b"not the secret").decode()
        self.refused("NO_MATCHING_SIGNATURE", signed(), secret=other)
        headers = signed()
        headers["webhook-signature"] = "v1," + base64.b64encode(bytes(32)).decode()
        self.refused("NO_MATCHING_SIGNATURE", headers)
        headers["webhook-signature"] = signed()["webhook-signature"].replace("v1,", "v2,")
        self.refused("NO_MATCHING_SIGNATURE", headers)

    def test_refuses_a_timestamp_beyond_the_tolerance_either_way(self):
        self.refused("TIMESTAMP_OUT_OF_TOLERANCE", signed(timestamp=NOW - 301))
        self.refused("TIMESTAMP_OUT_OF_TOLERANCE", signed(timestamp=NOW + 301))
        verify_webhook(signed(timestamp=NOW - 300), BODY, SECRET, now=NOW)
        self.refused("TIMESTAMP_OUT_OF_TOLERANCE", signed(timestamp=NOW - 60), tolerance=30)
        when = datetime.fromtimestamp(NOW, timezone.utc)
        verify_webhook(signed(), BODY, SECRET, now=when)
        self.refused("TIMESTAMP_OUT_OF_TOLERANCE", signed(), now=None)
        verify_webhook(signed(timestamp=int(time.time())), BODY, SECRET)

    def test_refuses_missing_headers_bad_timestamps_secrets_and_payloads(self):
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            headers = signed()
            del headers[name]
            self.refused("MISSING_HEADER", headers)
        iso = {**signed(), "webhook-timestamp": "2026-11-02T10:00:00Z"}
        self.refused("INVALID_TIMESTAMP", iso)
        self.refused("INVALID_SECRET", signed(), secret="whsec_not base64!")
        self.refused("INVALID_SECRET", signed(), secret="whsec_")
        for body in ("not json", "[1, 2]", json.dumps({"type": "item.decided", "data": {}})):
            self.refused("INVALID_PAYLOAD", signed(body=body), body=body)


if __name__ == "__main__":
    unittest.main()
