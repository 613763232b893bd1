/** What a webhook body needs of an item: its view as `GET /api/v1/items/:id` shows it, without history. */
export interface DeliverableItem {
  id: string;
  updatedAt: string;
  decision: { decidedAt: string } | null;
  history?: unknown;
}

export interface WebhookBody<T extends DeliverableItem> {
  type: 'item.decided';
  timestamp: string;
  data: { item: Omit<T, 'history' | 'queueId'>; decision: T['decision'] };
}

/**
 * The body of an `item.decided` webhook. Its timestamp is the decision's, so the body is the same on every
 * attempt and replay (the attempt's own time travels in the `webhook-timestamp` header).
 */
export function webhookBody<T extends DeliverableItem & { queueId?: string }>(item: T): WebhookBody<T> {
  const { history: _history, queueId: _queueId, ...view } = item;
  return {
    type: 'item.decided',
    timestamp: item.decision?.decidedAt ?? item.updatedAt,
    data: { item: view, decision: item.decision },
  };
}
