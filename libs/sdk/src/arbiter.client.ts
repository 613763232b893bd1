import { randomUUID } from 'node:crypto';
import { ArbiterConnectionError, ArbiterError, DecisionTimeoutError } from './errors.js';
import { type RetryPolicy, backoffDelay, parseRetryAfter, sleep } from './retry.js';
import {
  type BatchResult,
  type Decision,
  type ErrorBody,
  type Item,
  type JsonValue,
  type SubmitItem,
  isTerminalStatus,
} from './types.js';

export interface ArbiterClientOptions {
  /** Where Arbiter runs, e.g. `https://arbiter.example.com`. */
  baseUrl: string;
  /** The service's API key (sent as `X-API-Key`). */
  apiKey: string;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Retries of 429, 503 and network errors; `attempts` counts the first try. Defaults: DEFAULT_RETRY. */
  retry?: Partial<RetryPolicy>;
  /** Gives up on one attempt after this long (it then counts as a network error). */
  requestTimeoutMs?: number;
}

export interface SubmitOptions {
  /** Reused across retries; a random UUID when not given. Scoped to the service. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface WaitForDecisionOptions {
  /** How long to wait for a terminal state in all. */
  timeoutMs: number;
  /** How often to ask; 1000 ms unless given. */
  pollIntervalMs?: number;
  /** Aborting rejects the wait with the signal's reason. */
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 250, maxDelayMs: 10_000 };

interface Call {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

/** A service's client for Arbiter: submit outputs for human review, read them, wait for the decision. */
export class ArbiterClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetch: typeof fetch;
  private readonly retry: RetryPolicy;
  private readonly requestTimeoutMs: number;

  constructor(options: ArbiterClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.apiKey = options.apiKey;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isInteger(this.retry.attempts) || this.retry.attempts < 1)
      throw new RangeError('retry.attempts must be an integer ≥ 1');
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  /** Resolves with the created item (201) or, for a request Arbiter has already seen, the original (200). */
  submit<TInput = JsonValue, TOutput = JsonValue>(
    queue: string,
    item: SubmitItem<TInput, TOutput>,
    options: SubmitOptions = {},
  ): Promise<Item<TInput, TOutput>> {
    return this.call({
      method: 'POST',
      path: `/api/v1/queues/${encodeURIComponent(queue)}/items`,
      body: item,
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      signal: options.signal,
    });
  }

  /** Up to 500 items; each is accepted or refused on its own, so look at every result. */
  submitBatch<TInput = JsonValue, TOutput = JsonValue>(
    queue: string,
    items: SubmitItem<TInput, TOutput>[],
    options: SubmitOptions = {},
  ): Promise<BatchResult> {
    return this.call({
      method: 'POST',
      path: `/api/v1/queues/${encodeURIComponent(queue)}/items/batch`,
      body: { items },
      idempotencyKey: options.idempotencyKey ?? randomUUID(),
      signal: options.signal,
    });
  }

  /** The item with its status, its decision once terminal, and its history. */
  get<TInput = JsonValue, TOutput = JsonValue>(
    id: string,
    options: RequestOptions = {},
  ): Promise<Item<TInput, TOutput>> {
    return this.call({
      method: 'GET',
      path: `/api/v1/items/${encodeURIComponent(id)}`,
      signal: options.signal,
    });
  }

  /**
   * Polls until the item is terminal and resolves with its decision. When `timeoutMs` passes first, resolves
   * with `fallback` if one was given (not `undefined`), else rejects with a `DecisionTimeoutError`. Arbiter
   * being unreachable or overloaded meanwhile only delays the answer; other errors (e.g. `NOT_FOUND`) reject.
   */
  waitForDecision<TOutput = JsonValue, F = never>(
    id: string,
    options: WaitForDecisionOptions & { fallback: F },
  ): Promise<Decision<TOutput> | F>;
  waitForDecision<TOutput = JsonValue>(
    id: string,
    options: WaitForDecisionOptions & { fallback?: undefined },
  ): Promise<Decision<TOutput>>;
  async waitForDecision<TOutput, F>(
    id: string,
    options: WaitForDecisionOptions & { fallback?: F },
  ): Promise<Decision<TOutput> | F> {
    const { timeoutMs, pollIntervalMs = 1000, signal } = options;
    const deadline = AbortSignal.timeout(Math.max(0, timeoutMs));
    const bounded = signal ? AbortSignal.any([signal, deadline]) : deadline;
    try {
      for (;;) {
        try {
          const item = await this.get<JsonValue, TOutput>(id, { signal: bounded });
          if (isTerminalStatus(item.status) && item.decision) return item.decision;
        } catch (error) {
          if (!bounded.aborted && !isTransient(error)) throw error;
        }
        await sleep(pollIntervalMs, bounded);
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (!deadline.aborted) throw error;
      if (options.fallback !== undefined) return options.fallback;
      throw new DecisionTimeoutError(id, timeoutMs);
    }
  }

  private async call<T>(call: Call): Promise<T> {
    const url = this.baseUrl + call.path;
    const headers: Record<string, string> = { accept: 'application/json', 'x-api-key': this.apiKey };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    if (call.idempotencyKey !== undefined) headers['idempotency-key'] = call.idempotencyKey;
    const body = call.body === undefined ? undefined : JSON.stringify(call.body);

    for (let attempt = 1; ; attempt++) {
      call.signal?.throwIfAborted();
      let failure: ArbiterError | ArbiterConnectionError;
      try {
        return await this.attempt<T>(url, { method: call.method, headers, body }, call.signal);
      } catch (error) {
        if (call.signal?.aborted) throw call.signal.reason;
        if (!(error instanceof ArbiterError || error instanceof ArbiterConnectionError)) throw error;
        failure = error;
      }
      const retryable =
        failure instanceof ArbiterConnectionError ||
        isTransient(failure) ||
        // The first request with this key is still being processed.
        (call.idempotencyKey !== undefined &&
          failure.statusCode === 409 &&
          failure.code === 'IDEMPOTENCY_CONFLICT');
      if (!retryable || attempt >= this.retry.attempts) throw failure;
      const retryAfterMs = failure instanceof ArbiterError ? failure.retryAfterMs : undefined;
      // Never earlier than Retry-After; asked to wait longer than maxDelayMs, let the caller decide.
      if (retryAfterMs !== undefined && retryAfterMs > this.retry.maxDelayMs) throw failure;
      await sleep(retryAfterMs ?? backoffDelay(attempt, this.retry), call.signal);
    }
  }

  private async attempt<T>(url: string, init: RequestInit, signal: AbortSignal | undefined): Promise<T> {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await this.fetch(url, {
        ...init,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const what = timeout.aborted ? `no answer within ${this.requestTimeoutMs} ms` : describe(error);
      throw new ArbiterConnectionError(`${init.method} ${url}: ${what}`, { cause: error });
    }
    const parsed = parseJson(text, response.headers.get('content-type'));
    if (response.ok) return parsed as T;
    throw new ArbiterError(
      errorBody(response.status, parsed, text),
      parseRetryAfter(response.headers.get('retry-after')),
    );
  }
}

function isTransient(error: unknown): boolean {
  if (error instanceof ArbiterConnectionError) return true;
  return error instanceof ArbiterError && (error.statusCode === 429 || error.statusCode === 503);
}

function parseJson(text: string, contentType: string | null): unknown {
  if (!text || !/^application\/([\w.-]+\+)?json\b/i.test(contentType ?? '')) return text || undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The contract's error body when there is one; something close to it otherwise (e.g. from a proxy). */
function errorBody(status: number, parsed: unknown, text: string): ErrorBody {
  if (parsed && typeof parsed === 'object') {
    const body = parsed as Partial<ErrorBody>;
    if (typeof body.code === 'string' && typeof body.message === 'string') {
      return {
        statusCode: typeof body.statusCode === 'number' ? body.statusCode : status,
        code: body.code,
        message: body.message,
        ...(Array.isArray(body.details) ? { details: body.details } : {}),
      };
    }
  }
  return { statusCode: status, code: `HTTP_${status}`, message: text.slice(0, 500) || `HTTP ${status}` };
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return error.message + cause;
}
