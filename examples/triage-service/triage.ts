import {
  ArbiterClient,
  ArbiterConnectionError,
  ArbiterError,
  type Decision,
  type Item,
  type RetryPolicy,
} from '@arbiter/sdk';
import {
  classify,
  MODEL,
  SAFE_ANSWER,
  SAMPLE_MESSAGES,
  type SupportMessage,
  type TicketAnswer,
} from './classifier.js';

export interface TriageOptions {
  arbiterUrl: string;
  apiKey: string;
  /** The Arbiter queue's slug, e.g. `demo-support`. */
  queue: string;
  messages?: SupportMessage[];
  /** Answers below this confidence go to a human first. */
  reviewBelow?: number;
  /** Where Arbiter should POST the decision (the webhook receiver), if anywhere. */
  callbackUrl?: string;
  /** How long a customer may wait for a human before getting the safe answer. */
  waitTimeoutMs?: number;
  pollIntervalMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Called as soon as an uncertain message is in Arbiter. */
  onSubmitted?: (item: Item<SupportMessage, TicketAnswer>, message: SupportMessage) => void;
  signal?: AbortSignal;
}

/** How each message was answered: by the model, by Arbiter's decision (a reviewer's, or the queue's policy), or with the safe fallback. */
export type TriageResult =
  | { messageId: string; source: 'model'; answer: TicketAnswer; confidence: number }
  | {
      messageId: string;
      source: 'arbiter';
      /** `null` when the reviewer rejected the message (e.g. spam): send nothing. */
      answer: TicketAnswer | null;
      itemId: string;
      decision: Decision<TicketAnswer>;
    }
  | {
      messageId: string;
      source: 'fallback';
      answer: TicketAnswer;
      /** `null` when Arbiter could not take the message at all. */
      itemId: string | null;
      why: 'timeout' | 'arbiter_unavailable';
    };

/** Refusals that say "not now" rather than "you are doing it wrong": the customer gets the safe answer. */
const UNAVAILABLE = new Set(['RATE_LIMITED', 'UNAVAILABLE', 'QUEUE_PAUSED']);

/**
 * Classifies each message; confident answers go out at once, uncertain ones are submitted to Arbiter and
 * wait for a reviewer's decision, up to `waitTimeoutMs`, after which the customer gets `SAFE_ANSWER`
 * (given a `callbackUrl`, the decision still arrives later by webhook).
 */
export async function runTriage(options: TriageOptions): Promise<TriageResult[]> {
  const client = new ArbiterClient({
    baseUrl: options.arbiterUrl,
    apiKey: options.apiKey,
    retry: options.retry,
  });
  const reviewBelow = options.reviewBelow ?? 0.8;
  return Promise.all(
    (options.messages ?? SAMPLE_MESSAGES).map(async (message): Promise<TriageResult> => {
      const { answer, confidence } = classify(message);
      if (confidence >= reviewBelow) return { messageId: message.id, source: 'model', answer, confidence };

      let item: Item<SupportMessage, TicketAnswer>;
      try {
        item = await client.submit<SupportMessage, TicketAnswer>(
          options.queue,
          {
            externalId: message.id,
            model: MODEL,
            input: message,
            output: answer,
            confidence,
            reason: 'low_confidence',
            ...(options.callbackUrl ? { callbackUrl: options.callbackUrl } : {}),
          },
          // Stable per message: a restarted service resubmitting it gets the same item back.
          { idempotencyKey: `triage:${options.queue}:${message.id}`, signal: options.signal },
        );
      } catch (error) {
        const unavailable =
          error instanceof ArbiterConnectionError ||
          (error instanceof ArbiterError && UNAVAILABLE.has(error.code));
        if (!unavailable) throw error;
        return {
          messageId: message.id,
          source: 'fallback',
          answer: SAFE_ANSWER,
          itemId: null,
          why: 'arbiter_unavailable',
        };
      }
      options.onSubmitted?.(item, message);

      const decision = await client.waitForDecision<TicketAnswer, null>(item.id, {
        timeoutMs: options.waitTimeoutMs ?? 30_000,
        pollIntervalMs: options.pollIntervalMs ?? 1000,
        fallback: null,
        signal: options.signal,
      });
      if (decision === null)
        return {
          messageId: message.id,
          source: 'fallback',
          answer: SAFE_ANSWER,
          itemId: item.id,
          why: 'timeout',
        };
      return { messageId: message.id, source: 'arbiter', answer: decision.output, itemId: item.id, decision };
    }),
  );
}
