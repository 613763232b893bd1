import type { JsonObject, JsonValue } from './json.js';

export const SLA_POLICIES = ['keep', 'escalate', 'fallback'] as const;
export type SlaPolicy = (typeof SLA_POLICIES)[number];

/** What a queue does while a model version's drift alert is open. */
export const DRIFT_POLICIES = ['alert', 'suspend_auto_approve'] as const;
export type DriftPolicy = (typeof DRIFT_POLICIES)[number];

export type JsonSchema = JsonObject;

/** A queue as `GET /api/v1/queues` and the admin actions answer it. */
export interface Queue {
  id: string;
  slug: string;
  name: string;
  instructions: string;
  outputSchema: JsonSchema | null;
  autoApproveAbove: number | null;
  leaseSeconds: number;
  slaSeconds: number | null;
  onSlaBreach: SlaPolicy;
  fallbackOutput: JsonValue;
  escalateTo: string | null;
  reviewsRequired: number;
  qaSampleRate: number;
  /** Share of hand-outs that are gold items; left out of what reviewers are shown of the queue. */
  goldRate?: number;
  /** Four-eyes: unless true, admins may not claim or decide this queue's items. */
  allowAdminReview: boolean;
  /** Backlog cap: beyond this many pending items submits are refused with 429. */
  maxPending: number | null;
  callbackUrl: string | null;
  /** The rise in a model version's override rate its drift detector looks for. */
  driftDelta: number;
  onDrift: DriftPolicy;
  /** The override rate the threshold suggestion keeps auto-approvals under. */
  targetOverrideRate: number;
  /** Receives signed `model.drift_detected` webhooks. */
  alertUrl: string | null;
  /** The `whsec_` secret alert webhooks are signed with: only in the answer that first set `alertUrl`. */
  alertSecret?: string;
  paused: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Reviewers only (`GET /api/v1/queues`): pending items of the queue assigned to the caller. */
  assignedToMe?: number;
}

/** What `POST /api/v1/queues` and `PATCH /api/v1/queues/:slug` accept; `null` clears an optional setting. */
export interface QueueSettings {
  name?: string;
  instructions?: string;
  outputSchema?: JsonSchema | null;
  autoApproveAbove?: number | null;
  leaseSeconds?: number;
  slaSeconds?: number | null;
  onSlaBreach?: SlaPolicy;
  fallbackOutput?: JsonValue;
  escalateTo?: string | null;
  reviewsRequired?: number;
  qaSampleRate?: number;
  goldRate?: number;
  allowAdminReview?: boolean;
  maxPending?: number | null;
  callbackUrl?: string | null;
  driftDelta?: number;
  onDrift?: DriftPolicy;
  targetOverrideRate?: number;
  alertUrl?: string | null;
}

/** `POST /api/v1/queues`. */
export interface NewQueue extends QueueSettings {
  slug: string;
  name: string;
}

export interface QueueList {
  queues: Queue[];
}
