import { type Decision, type Item, type JsonValue, type Reason, TERMINAL_STATUSES } from '@arbiter/contracts';

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
  status: 'pending' | 'auto_approved';
  slaDeadline: string | null;
  /** The SLA deadline the item has if it waits for people (always, unless auto-approved). */
  slaIfPending: string | null;
  /** Confident enough to be auto-approved, but drawn (at the queue's qaSampleRate) for a human review. */
  qaSample: boolean;
}
