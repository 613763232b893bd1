export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryAttemptView {
  at: string;
  /** Null when no response arrived (refused by the SSRF policy, timeout, connection error, interrupted). */
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
}

/** A delivery as admins see it (`GET /api/v1/deliveries`). */
export interface DeliveryView {
  id: string;
  /** The `webhook-id` header of every attempt and replay. */
  webhookId: string;
  /** The decided item; null for a drift alert's webhook. */
  itemId: string | null;
  /** The drift alert a `model.drift_detected` webhook tells of. */
  alertId?: string;
  queue: string;
  url: string;
  status: DeliveryStatus;
  attempts: DeliveryAttemptView[];
  createdAt: string;
  /** When the next attempt is due; null unless pending. */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}
