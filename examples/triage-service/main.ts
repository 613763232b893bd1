import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTriage } from './triage.js';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';

/**
 * Runs the triage service from the environment:
 *   ARBITER_API_KEY (required), ARBITER_URL (http://localhost:3000), ARBITER_QUEUE (demo-support),
 *   ARBITER_WEBHOOK_SECRET (starts the webhook receiver), TRIAGE_PORT (4000), TRIAGE_HOST (127.0.0.1),
 *   TRIAGE_CALLBACK_URL (the receiver's URL as Arbiter sees it), WAIT_TIMEOUT_MS (120000).
 */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const apiKey = env['ARBITER_API_KEY'];
  if (!apiKey) {
    console.error('Set ARBITER_API_KEY to the service key `npm start` printed (see the README).');
    process.exitCode = 1;
    return;
  }
  const arbiterUrl = env['ARBITER_URL'] ?? 'http://localhost:3000';
  const queue = env['ARBITER_QUEUE'] ?? 'demo-support';
  const secret = env['ARBITER_WEBHOOK_SECRET'];

  let receiver: WebhookReceiver | undefined;
  if (secret) {
    receiver = await startWebhookReceiver({
      secret,
      port: Number(env['TRIAGE_PORT'] ?? 4000),
      host: env['TRIAGE_HOST'] ?? '127.0.0.1',
      onDecision: ({ data: { item, decision } }) => {
        const answer = decision.output ? `${decision.output.category}: ${decision.output.reply}` : 'no reply';
        console.log(`webhook  ${item.externalId} ${decision.verdict} -> ${answer}`);
      },
    });
    console.log(`receiving Arbiter's webhooks on ${receiver.url}`);
  }

  const controller = new AbortController();
  const stop = () => {
    controller.abort(new Error('stopped'));
    void receiver?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const callbackUrl = env['TRIAGE_CALLBACK_URL'] ?? receiver?.url;
  const waitTimeoutMs = Number(env['WAIT_TIMEOUT_MS'] ?? 120_000);
  console.log(
    `triaging sample messages into ${arbiterUrl} queue ${queue}; waiting up to ${waitTimeoutMs} ms`,
  );
  const results = await runTriage({
    arbiterUrl,
    apiKey,
    queue,
    callbackUrl,
    waitTimeoutMs,
    onSubmitted: (item, message) => console.log(`review   ${message.id} submitted as item ${item.id}`),
    signal: controller.signal,
  });
  for (const result of results) {
    const reply = result.answer
      ? `${result.answer.category}: ${result.answer.reply}`
      : '(rejected, no reply)';
    const why = result.source === 'fallback' ? ` (${result.why})` : '';
    console.log(`${result.source.padEnd(8)} ${result.messageId} -> ${reply}${why}`);
  }
  if (receiver) console.log('still receiving webhooks for late decisions; Ctrl-C to stop');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
