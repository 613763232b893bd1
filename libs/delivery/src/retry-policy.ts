/** What one attempt came to. `statusCode` is null when no response arrived (refused, timeout, reset). */
export interface AttemptOutcome {
  statusCode: number | null;
  error: string | null;
  /** The receiver's Retry-After, in milliseconds from now, when it sent one. */
  retryAfterMs: number | null;
}

export type NextStep =
  { status: 'delivered' } | { status: 'dead'; reason: string } | { status: 'pending'; delayMs: number };

/** Each delay is spread over ±20 %, so receivers that failed together are not retried in lockstep. */
const JITTER = 0.2;
/** A Retry-After is honoured up to a day; beyond that the receiver is asking for more than a retry. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

export const isSuccess = (statusCode: number | null): boolean =>
  statusCode !== null && statusCode >= 200 && statusCode < 300;

/** Attempts a delivery gets before it is dead-lettered: the first, then one per scheduled delay. */
export const maxAttempts = (schedule: readonly number[]): number => schedule.length + 1;

/**
 * Where a delivery goes after its `attempts`-th attempt (counted since it was created or last replayed):
 * 2xx delivers; 410 Gone dead-letters at once; anything else waits the scheduled delay (with jitter, and no
 * less than a Retry-After) or is dead-lettered once the schedule is used up. Redirects are failures.
 */
export function nextStep(
  outcome: AttemptOutcome,
  attempts: number,
  schedule: readonly number[],
  random: () => number = Math.random,
): NextStep {
  if (isSuccess(outcome.statusCode)) return { status: 'delivered' };
  if (outcome.statusCode === 410) return { status: 'dead', reason: 'the receiver answered 410 Gone' };
  if (attempts >= maxAttempts(schedule)) {
    return { status: 'dead', reason: `no success after ${attempts} attempt(s)` };
  }
  const scheduled = withJitter(schedule[attempts - 1] ?? 0, random);
  return { status: 'pending', delayMs: Math.max(scheduled, outcome.retryAfterMs ?? 0) };
}

export function withJitter(delayMs: number, random: () => number = Math.random): number {
  return Math.round(delayMs * (1 - JITTER + 2 * JITTER * random()));
}

/** A Retry-After header (delay in seconds, or an HTTP date) in milliseconds from `now`; null when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | null {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return null;
  let ms: number;
  if (/^\d+$/.test(text)) ms = Number(text) * 1000;
  else {
    // An HTTP date names its day and month; a bare number that is not a delay (`-5`) is no date.
    const at = /[a-z]/i.test(text) ? Date.parse(text) : Number.NaN;
    if (Number.isNaN(at)) return null;
    ms = at - now;
  }
  return Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}
