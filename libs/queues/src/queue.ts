import type { DriftPolicy, SlaPolicy } from '@arbiter/contracts';

/** A queue as the domain sees it. */
export interface Queue {
  id: string;
  slug: string;
  name: string;
  instructions: string;
  outputSchema: Record<string, unknown> | null;
  autoApproveAbove: number | null;
  leaseSeconds: number;
  slaSeconds: number | null;
  onSlaBreach: SlaPolicy;
  fallbackOutput: unknown;
  escalateTo: string | null;
  reviewsRequired: number;
  qaSampleRate: number;
  /** Share of hand-outs that are gold items; absent from what reviewers are shown of the queue. */
  goldRate?: number;
  /** Whether admins may claim and decide this queue's items (four-eyes when false). */
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
}

/** The settings an admin can change, with `null` clearing an optional one. */
export interface QueueSettings {
  name?: string;
  instructions?: string;
  outputSchema?: Record<string, unknown> | null;
  autoApproveAbove?: number | null;
  leaseSeconds?: number;
  slaSeconds?: number | null;
  onSlaBreach?: SlaPolicy;
  fallbackOutput?: unknown;
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
