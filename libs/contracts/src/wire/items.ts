import type { AuditEvent } from './audit.js';
import type { Refusal } from './errors.js';
import type { JsonValue, PatchOperation } from './json.js';

export const ITEM_STATUSES = [
  'pending',
  'claimed',
  'approved',
  'corrected',
  'rejected',
  'auto_approved',
  'fallback',
  'escalated',
] as const;
export type ItemStatus = (typeof ITEM_STATUSES)[number];

/** Statuses after which an item never changes again and carries its decision. */
export const TERMINAL_STATUSES: readonly ItemStatus[] = [
  'approved',
  'corrected',
  'rejected',
  'auto_approved',
  'fallback',
];

export const isTerminalStatus = (status: ItemStatus): boolean => TERMINAL_STATUSES.includes(status);

export const REASONS = ['low_confidence', 'model_error', 'policy', 'other'] as const;
export type Reason = (typeof REASONS)[number];

/** What a reviewer decides. */
export const VERDICTS = ['approve', 'correct', 'reject'] as const;
export type ReviewVerdict = (typeof VERDICTS)[number];

/** What a decision records: a reviewer's verdict, an SLA fallback or an auto-approval. */
export const DECISION_VERDICTS = [...VERDICTS, 'fallback', 'auto_approve'] as const;
export type Verdict = (typeof DECISION_VERDICTS)[number];

export interface ModelRef {
  name: string;
  version: string;
}

/**
 * The final word on an item. `output` is the final output (`null` for `reject`), `patch` the JSON Patch
 * from the AI's output to it (`[]` for `approve`, `null` for `reject`). `reviewerId` is `null` for an
 * SLA fallback or an auto-approval.
 */
export interface Decision<TOutput = JsonValue> {
  id: string;
  itemId: string;
  verdict: Verdict;
  output: TOutput | null;
  patch: PatchOperation[] | null;
  reviewerId: string | null;
  comment: string | null;
  decidedAt: string;
  durationMs: number | null;
}

/** An item as `GET /api/v1/items/:id`, a submit and a claim answer it. */
export interface Item<TInput = JsonValue, TOutput = JsonValue> {
  id: string;
  /** The queue's slug. */
  queue: string;
  status: ItemStatus;
  externalId: string;
  service: string;
  model: ModelRef;
  input: TInput;
  /** `null` only for `model_error`. */
  output: TOutput | null;
  confidence: number | null;
  reason: Reason;
  priority: number;
  metadata: Record<string, JsonValue>;
  callbackUrl: string | null;
  /**
   * The reviewer (user id) the item is assigned to: while it is pending, nobody else may claim it. `null` when it
   * waits in the queue's shared line. An assignment ends when the item leaves its queue or gets the first of two
   * reviews; a decided item keeps the one it had.
   */
  assigneeId: string | null;
  slaDeadline: string | null;
  /** When the SLA deadline passed with the item still open and its queue's policy was applied. */
  slaBreachedAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Present once the item is terminal. */
  decision: Decision<TOutput> | null;
  /** The item's audit events, oldest first (`GET /api/v1/items/:id` only). */
  history?: AuditEvent[];
}

/** What a service submits for review. `output` may be left out only when `reason` is `model_error`. */
export interface SubmitItem<TInput = JsonValue, TOutput = JsonValue> {
  /** Your id for this output, unique per service and queue (≤ 256 characters). */
  externalId: string;
  model: ModelRef;
  input: TInput;
  output?: TOutput;
  /** In [0, 1]. */
  confidence?: number;
  reason: Reason;
  /** Integer 0..100, higher is reviewed first. */
  priority?: number;
  metadata?: Record<string, JsonValue>;
  /** Where the decision is POSTed; wins over the queue's callbackUrl. */
  callbackUrl?: string;
  /**
   * A user id: only this reviewer (an enabled reviewer of the queue) may claim the item. `null` or absent: the
   * queue's shared line.
   */
  assignee?: string | null;
}

/** `POST /api/v1/items/:id/assign` (admins): a reviewer of the item's queue, or `null` for the shared line. */
export interface AssignItem {
  userId: string | null;
}

export type BatchEntryResult =
  { index: number; id: string; status: ItemStatus } | { index: number; error: Refusal };

/** One result per submitted entry, in order; each entry is accepted or refused on its own. */
export interface BatchResult {
  results: BatchEntryResult[];
}
