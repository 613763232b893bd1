import type { Decision, Item } from './items.js';
import type { JsonValue } from './json.js';
import type { DriftAlert } from './monitoring.js';

/** What Arbiter POSTs to a callback URL when an item reaches a terminal state. */
export interface ItemDecidedWebhook<TInput = JsonValue, TOutput = JsonValue> {
  type: 'item.decided';
  /** The decision's time, so every attempt and replay sends the same body. */
  timestamp: string;
  data: { item: Omit<Item<TInput, TOutput>, 'history'>; decision: Decision<TOutput> };
}

/** What Arbiter POSTs to a queue's `alertUrl` when a model version's override rate drifts. */
export interface DriftDetectedWebhook {
  type: 'model.drift_detected';
  /** When the alert opened. */
  timestamp: string;
  data: { alert: DriftAlert };
}
