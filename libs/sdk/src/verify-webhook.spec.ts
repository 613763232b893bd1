import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebhookVerificationError } from './errors.js';
import { signWebhook, verifyWebhook } from './verify-webhook.js';

// The test vector of the Standard Webhooks specification.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ID = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const TIMESTAMP = 1614265330;
const BODY = '{"test": 2432232314}';
const SIGNATURE = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const NOW = TIMESTAMP * 1000;

const headers = (overrides: Record<string, string | undefined> = {}) => ({
  'webhook-id': ID,
  'webhook-timestamp': String(TIMESTAMP),
  'webhook-signature': SIGNATURE,
  ...overrides,
});

function assertRefused(fn: () => unknown, reason: string) {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof WebhookVerificationError, String(error));
    assert.equal(error.reason, reason);
    return true;
  });
}

describe('verifyWebhook', () => {
  it('accepts the Standard Webhooks test vector and returns the parsed payload', () => {
    assert.deepEqual(verifyWebhook(headers(), BODY, SECRET, { now: NOW }), { test: 2432232314 });
  });

  it('signs the test vector the same way', () => {
    assert.equal(signWebhook(SECRET, ID, TIMESTAMP, BODY), SIGNATURE);
  });

  it('reads fetch Headers, mixed-case header names and a Buffer body', () => {
    const fetchHeaders = new Headers(headers());
    assert.deepEqual(verifyWebhook(fetchHeaders, Buffer.from(BODY), SECRET, { now: new Date(NOW) }), {
      test: 2432232314,
    });
    const mixed = {
      'Webhook-Id': ID,
      'Webhook-Timestamp': String(TIMESTAMP),
      'Webhook-Signature': SIGNATURE,
    };
    assert.ok(verifyWebhook(mixed, new TextEncoder().encode(BODY), SECRET, { now: NOW }));
  });

  it('accepts any matching v1 signature among several, ignoring other versions', () => {
    const signature = `v1a,${SIGNATURE.slice(3)} v1,AAAA v1,${Buffer.alloc(32).toString('base64')} ${SIGNATURE}`;
    assert.ok(verifyWebhook(headers({ 'webhook-signature': signature }), BODY, SECRET, { now: NOW }));
  });

  it('accepts timestamps within the tolerance either way', () => {
    assert.ok(verifyWebhook(headers(), BODY, SECRET, { now: NOW + 299_000 }));
    assert.ok(verifyWebhook(headers(), BODY, SECRET, { now: NOW - 299_000 }));
    assert.ok(verifyWebhook(headers(), BODY, SECRET, { now: NOW + 3_000_000, toleranceSeconds: 3600 }));
  });

  it('refuses a tampered body', () => {
    assertRefused(
      () => verifyWebhook(headers(), '{"test": 2432232315}', SECRET, { now: NOW }),
      'NO_MATCHING_SIGNATURE',
    );
    assertRefused(
      () => verifyWebhook(headers(), '{"test":2432232314}', SECRET, { now: NOW }),
      'NO_MATCHING_SIGNATURE',
    );
  });

  it('refuses a tampered id or timestamp', () => {
    assertRefused(
      () => verifyWebhook(headers({ 'webhook-id': 'msg_other' }), BODY, SECRET, { now: NOW }),
      'NO_MATCHING_SIGNATURE',
    );
    assertRefused(
      () =>
        verifyWebhook(headers({ 'webhook-timestamp': String(TIMESTAMP + 1) }), BODY, SECRET, { now: NOW }),
      'NO_MATCHING_SIGNATURE',
    );
  });

  it('refuses a stale or future timestamp', () => {
    assertRefused(
      () => verifyWebhook(headers(), BODY, SECRET, { now: NOW + 301_000 }),
      'TIMESTAMP_OUT_OF_TOLERANCE',
    );
    assertRefused(
      () => verifyWebhook(headers(), BODY, SECRET, { now: NOW - 301_000 }),
      'TIMESTAMP_OUT_OF_TOLERANCE',
    );
    assertRefused(() => verifyWebhook(headers(), BODY, SECRET), 'TIMESTAMP_OUT_OF_TOLERANCE');
    assertRefused(
      () => verifyWebhook(headers(), BODY, SECRET, { now: NOW + 11_000, toleranceSeconds: 10 }),
      'TIMESTAMP_OUT_OF_TOLERANCE',
    );
  });

  it('refuses a timestamp that is not Unix seconds', () => {
    for (const value of ['2021-02-21T15:02:10Z', '1614265330.5', '-1614265330', ' ']) {
      assertRefused(
        () => verifyWebhook(headers({ 'webhook-timestamp': value }), BODY, SECRET, { now: NOW }),
        'INVALID_TIMESTAMP',
      );
    }
  });

  it('refuses a wrong secret', () => {
    assertRefused(
      () => verifyWebhook(headers(), BODY, 'whsec_' + Buffer.alloc(24, 7).toString('base64'), { now: NOW }),
      'NO_MATCHING_SIGNATURE',
    );
    assertRefused(() => verifyWebhook(headers(), BODY, 'whsec_', { now: NOW }), 'INVALID_SECRET');
  });

  it('refuses a missing header', () => {
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
      assertRefused(
        () => verifyWebhook(headers({ [name]: undefined }), BODY, SECRET, { now: NOW }),
        'MISSING_HEADER',
      );
      assertRefused(
        () => verifyWebhook(headers({ [name]: '' }), BODY, SECRET, { now: NOW }),
        'MISSING_HEADER',
      );
    }
    assertRefused(() => verifyWebhook(new Headers(), BODY, SECRET, { now: NOW }), 'MISSING_HEADER');
  });

  it('refuses signatures without the v1 scheme or of the wrong length', () => {
    for (const signature of [SIGNATURE.slice(3), `v2,${SIGNATURE.slice(3)}`, 'v1,', 'v1,AAAA', 'garbage']) {
      assertRefused(
        () => verifyWebhook(headers({ 'webhook-signature': signature }), BODY, SECRET, { now: NOW }),
        'NO_MATCHING_SIGNATURE',
      );
    }
  });

  it('refuses a correctly signed body that is not JSON', () => {
    const body = 'not json';
    const signed = headers({ 'webhook-signature': signWebhook(SECRET, ID, TIMESTAMP, body) });
    assertRefused(() => verifyWebhook(signed, body, SECRET, { now: NOW }), 'INVALID_PAYLOAD');
  });
});
