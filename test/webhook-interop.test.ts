import { signWebhook as serverSign } from '@arbiter/delivery';
import { signWebhook as sdkSign, verifyWebhook, WebhookVerificationError } from '@arbiter/sdk';
import type { INestApplicationContext } from '@nestjs/common';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { createWorkerApp } from '../apps/worker/src/worker.app.js';
import { type RunningApi, startApi } from './support/api-harness.js';
import { itemBody, loginAdmin, newQueue, newServiceKey, newUser } from './support/factories.js';
import { runPython } from './support/python.js';
import { createTestEnv, type TestEnv } from './support/test-env.js';
import { LOOPBACK_WEBHOOKS, type ReceivedHook, WebhookReceiver } from './support/webhook-receiver.js';

// Arbiter's webhooks and both clients' verifyWebhook against standardwebhooks, the reference implementation
// of Standard Webhooks: each side verifies what the other signs, and all agree on what to refuse.

interface Message {
  headers: Record<string, string>;
  body: string;
  secret: string;
}

/** The Python client's verdicts on messages ('ok' or its refusal reason) and its signatures. */
const PYTHON_WEBHOOKS = `
import json, sys
from arbiter_client import WebhookVerificationError, sign_webhook, verify_webhook

job = json.load(sys.stdin)
verdicts = []
for message in job["verify"]:
    try:
        verify_webhook(message["headers"], message["body"].encode(), message["secret"])
        verdicts.append("ok")
    except WebhookVerificationError as error:
        verdicts.append(error.reason)
signatures = [sign_webhook(s["secret"], s["id"], s["timestamp"], s["body"]) for s in job["sign"]]
print(json.dumps({"verdicts": verdicts, "signatures": signatures}))
`;

async function python(job: {
  verify: Message[];
  sign: { secret: string; id: string; timestamp: number; body: string }[];
}): Promise<{ verdicts: string[]; signatures: string[] }> {
  const run = await runPython(['-c', PYTHON_WEBHOOKS], { input: JSON.stringify(job) });
  assert.equal(run.status, 0, run.output);
  return JSON.parse(run.stdout);
}

function byReference({ headers, body, secret }: Message): string {
  try {
    new Webhook(secret).verify(body, headers);
    return 'ok';
  } catch (error) {
    return `refused: ${(error as Error).message}`;
  }
}

function bySdk({ headers, body, secret }: Message): string {
  try {
    verifyWebhook(headers, body, secret);
    return 'ok';
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
}

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const now = () => Math.floor(Date.now() / 1000);

describe('webhooks interoperate with standardwebhooks, the reference implementation', () => {
  let env: TestEnv;
  let api: RunningApi;
  let worker: INestApplicationContext;
  let receiver: WebhookReceiver;
  let secret: string;
  /** A real delivery of a decision on an item whose input is not ASCII. */
  let hook: ReceivedHook;

  before(async () => {
    env = await createTestEnv();
    receiver = await WebhookReceiver.start();
    const config = env.config(LOOPBACK_WEBHOOKS);
    api = await startApi(config);
    worker = await createWorkerApp(config);
    const admin = await loginAdmin(api.client);
    const { slug } = await newQueue(api.client, admin);
    const key = await newServiceKey(api.client, admin, [slug]);
    secret = key.webhookSecret;
    const reviewer = await newUser(api.client, admin, ['reviewer'], [slug]);
    const submitted = await api.client.post(
      `/api/v1/queues/${slug}/items`,
      itemBody({ input: { text: 'Où est mon colis ? 📦' }, callbackUrl: receiver.url('/hooks') }),
      { apiKey: key.key },
    );
    assert.equal(submitted.status, 201, JSON.stringify(submitted.body));
    const claimed = await api.client.post(`/api/v1/queues/${slug}/claim`, undefined, {
      token: reviewer.token,
    });
    const decided = await api.client.post(
      `/api/v1/claims/${claimed.body.claim.token}/decision`,
      { verdict: 'correct', output: { label: 'question — livraison' } },
      { token: reviewer.token },
    );
    assert.equal(decided.status, 201, JSON.stringify(decided.body));
    [hook] = await receiver.waitFor('/hooks', 1, 15_000);
  });

  after(async () => {
    await worker?.close();
    await api?.close();
    await receiver?.close();
    await env?.cleanup();
  });

  const delivered = (): Message => ({
    headers: Object.fromEntries(
      ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => [
        name,
        String(hook.headers[name]),
      ]),
    ),
    body: hook.body,
    secret,
  });

  it("Arbiter's delivery verifies with the reference, the TypeScript SDK and the Python client", async () => {
    const message = delivered();
    assert.deepEqual(new Webhook(secret).verify(message.body, message.headers), JSON.parse(hook.body));
    assert.deepEqual(verifyWebhook(message.headers, message.body, secret), JSON.parse(hook.body));
    assert.deepEqual((await python({ verify: [message], sign: [] })).verdicts, ['ok']);
    assert.match(hook.body, /Où est mon colis \? 📦/);
  });

  it('the reference, the TypeScript SDK and the Python client accept and refuse the same messages', async () => {
    const reference = new Webhook(secret);
    const body = hook.body;
    const signed = (id: string, at: number, payload = body, by = reference): Record<string, string> => ({
      'webhook-id': id,
      'webhook-timestamp': String(at),
      'webhook-signature': by.sign(id, new Date(at * 1000), payload),
    });
    const fresh = signed('msg_fresh', now());
    const cases: { name: string; message: Message; accepted: boolean }[] = [
      { name: 'as Arbiter sent it', message: delivered(), accepted: true },
      { name: 'signed by the reference', message: { headers: fresh, body, secret }, accepted: true },
      {
        name: 'four minutes old',
        message: { headers: signed('msg_old', now() - 240), body, secret },
        accepted: true,
      },
      {
        name: 'a good signature among others',
        message: {
          headers: {
            ...fresh,
            'webhook-signature': `v1,${randomBytes(32).toString('base64')} ${fresh['webhook-signature']}`,
          },
          body,
          secret,
        },
        accepted: true,
      },
      {
        name: 'tampered body',
        message: { headers: fresh, body: body.replace('📦', '📫'), secret },
        accepted: false,
      },
      {
        name: 'another webhook-id',
        message: { headers: { ...fresh, 'webhook-id': 'msg_x' }, body, secret },
        accepted: false,
      },
      { name: 'another secret', message: { headers: fresh, body, secret: newSecret() }, accepted: false },
      {
        name: 'ten minutes old',
        message: { headers: signed('msg_late', now() - 600), body, secret },
        accepted: false,
      },
      {
        name: 'ten minutes ahead',
        message: { headers: signed('msg_early', now() + 600), body, secret },
        accepted: false,
      },
      {
        name: 'a v2 signature only',
        message: {
          headers: { ...fresh, 'webhook-signature': fresh['webhook-signature']!.replace('v1,', 'v2,') },
          body,
          secret,
        },
        accepted: false,
      },
      {
        name: 'no signature',
        message: { headers: { 'webhook-id': 'msg_fresh', 'webhook-timestamp': String(now()) }, body, secret },
        accepted: false,
      },
    ];

    const fromPython = (await python({ verify: cases.map((c) => c.message), sign: [] })).verdicts;
    cases.forEach(({ name, message, accepted }, i) => {
      const verdicts = { reference: byReference(message), sdk: bySdk(message), python: fromPython[i] };
      const expected = accepted ? 'ok' : 'a refusal';
      for (const [verifier, verdict] of Object.entries(verdicts))
        assert.equal(
          verdict === 'ok',
          accepted,
          `${name}: ${verifier} said ${verdict}, expected ${expected}`,
        );
      assert.equal(verdicts.sdk, verdicts.python, `${name}: the two clients give the same reason`);
    });
  });

  it('the reference, the server, the TypeScript SDK and the Python client sign byte for byte alike', async () => {
    const messages = [
      { secret, id: 'msg_real', timestamp: now(), body: hook.body },
      {
        secret: newSecret(),
        id: 'msg_2nd',
        timestamp: 1_767_000_000,
        body: '{"type":"item.decided","data":{}}',
      },
      {
        secret: newSecret(),
        id: 'msg_ünï',
        timestamp: 1,
        body: JSON.stringify({ text: '日本語 \u2028 "q"' }),
      },
    ];
    const fromPython = (await python({ verify: [], sign: messages })).signatures;
    messages.forEach(({ secret: key, id, timestamp, body }, i) => {
      const reference = new Webhook(key).sign(id, new Date(timestamp * 1000), body);
      assert.match(reference, /^v1,[A-Za-z0-9+/]{43}=$/);
      assert.equal(serverSign(key, id, timestamp, body), reference, `server, message ${i}`);
      assert.equal(sdkSign(key, id, timestamp, body), reference, `TypeScript SDK, message ${i}`);
      assert.equal(fromPython[i], reference, `Python client, message ${i}`);
    });
  });
});
