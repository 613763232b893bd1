import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { signWebhook, webhookHeaders } from './webhook-signature.js';

describe('Standard Webhooks signature', () => {
  const key = randomBytes(32);
  const secret = `whsec_${key.toString('base64')}`;

  it('is v1, and the base64 HMAC-SHA256 of "id.timestamp.body" under the decoded secret', () => {
    const body = '{"type":"item.decided"}';
    const expected = createHmac('sha256', key).update(`msg_1.1700000000.${body}`).digest('base64');
    assert.equal(signWebhook(secret, 'msg_1', 1700000000, body), `v1,${expected}`);
  });

  it('matches the Standard Webhooks reference vector', () => {
    // From the Standard Webhooks specification's test suite.
    const signature = signWebhook(
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
    );
    assert.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('puts the attempt time in webhook-timestamp, in whole seconds', () => {
    const headers = webhookHeaders(secret, 'msg_2', '{}', new Date('2026-11-26T10:00:00.900Z'));
    assert.equal(headers['webhook-id'], 'msg_2');
    assert.equal(headers['webhook-timestamp'], String(Date.parse('2026-11-26T10:00:00Z') / 1000));
    assert.equal(
      headers['webhook-signature'],
      signWebhook(secret, 'msg_2', Number(headers['webhook-timestamp']), '{}'),
    );
  });
});
