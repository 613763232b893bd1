import {
  type Decision,
  type Item,
  type ItemStatus,
  type JsonValue,
  type Reason,
  TERMINAL_STATUSES,
} from '@arbiter/contracts';

/** Statuses after which nothing more happens to an item: its decision is final. */
export const FINAL_STATUSES: ReadonlySet<Item['status']> = new Set(TERMINAL_STATUSES);

export type DecisionView = Decision;

export type ItemView = Item;

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
  input: JsonValue;
  output: JsonValue;
  confidence: number | null;
  reason: Reason;
  priority: number;
  metadata: Record<string, JsonValue>;
  callbackUrl: string | null;
  /** The only reviewer who may claim it; null: the queue's shared line. */
  assigneeId: string | null;
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
