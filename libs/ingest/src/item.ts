import type { AuditEventView } from '@arbiter/audit';
import type { Reason } from '@arbiter/contracts';

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

/** Statuses after which nothing more happens to an item: its decision is final. */
export const FINAL_STATUSES: ReadonlySet<ItemStatus> = new Set([
  'approved',
  'corrected',
  'rejected',
  'auto_approved',
  'fallback',
]);

export type Verdict = 'approve' | 'correct' | 'reject' | 'fallback' | 'auto_approve';

export interface DecisionView {
  id: string;
  itemId: string;
  verdict: Verdict;
  output: unknown;
  patch: unknown[] | null;
  reviewerId: string | null;
  comment: string | null;
  decidedAt: string;
  durationMs: number | null;
}

export interface ItemView {
  id: string;
  queue: string;
  status: ItemStatus;
  externalId: string;
  service: string;
  model: { name: string; version: string };
  input: unknown;
  output: unknown;
  confidence: number | null;
  reason: Reason;
  priority: number;
  metadata: Record<string, unknown>;
  callbackUrl: string | null;
  slaDeadline: string | null;
  /** When the SLA deadline passed with the item still open and its queue's policy was applied. */
  slaBreachedAt: string | null;
  createdAt: string;
  updatedAt: string;
  decision: DecisionView | null;
  history?: AuditEventView[];
}

/** A validated submission, ready to store. */
export interface NewItem {
  id: string;
  queueId: string;
  service: string;
  apiKeyId: string;
  externalId: string;
  idempotencyKey: string | null;
  requestHash: string;
  modelName: string;
  modelVersion: string;
  input: unknown;
  output: unknown;
  confidence: number | null;
  reason: Reason;
  priority: number;
  metadata: Record<string, unknown>;
  callbackUrl: string | null;
  /** Confident enough to be auto-approved, and not drawn for a QA sample. */
  autoApprove: boolean;
  /**
   * `pending` until stored, then as stored: `auto_approved` when the insert recorded the auto-approval, still
   * `pending` where an open drift alert suspended it.
   */
  status: ItemStatus;
  /** The SLA deadline the item has if it waits for people (always, unless auto-approved). */
  slaIfPending: string | null;
  /** Confident enough to be auto-approved, but drawn (at the queue's qaSampleRate) for a human review. */
  qaSample: boolean;
}
