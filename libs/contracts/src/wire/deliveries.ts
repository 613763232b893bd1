export const DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** One try at sending a webhook. */
export interface DeliveryAttempt {
  at: string;
  /** Null when no response arrived (refused by the SSRF policy, timeout, connection error, interrupted). */
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
}

/** A delivery as admins see it (`GET /api/v1/deliveries`): one webhook, with every attempt. */
export interface Delivery {
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
  attempts: DeliveryAttempt[];
  createdAt: string;
  /** When the next attempt is due; null unless pending. */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

/** `GET /api/v1/deliveries`: a page, newest first. */
export interface DeliveryList {
  deliveries: Delivery[];
  /** The `cursor` of the page after this one (send the same filters with it); null on the last page. */
  next: string | null;
  /** How many deliveries match the filters, whatever the page. */
  total: number;
}

/** `POST /api/v1/deliveries/replay`: how many deliveries were sent again. */
export interface ReplayResult {
  replayed: number;
}
