export type ActorType = 'user' | 'service' | 'system';

export interface Actor {
  type: ActorType;
  id: string | null;
  name: string | null;
}

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, name: 'arbiter' };

export type AuditAction =
  | 'item.received'
  | 'item.auto_approved'
  | 'item.claimed'
  | 'claim.released'
  | 'claim.expired'
  | 'item.decided'
  | 'item.escalated'
  | 'item.sla_breached'
  | 'item.fallback'
  | 'item.requeued'
  | 'delivery.succeeded'
  | 'delivery.dead'
  | 'delivery.replayed'
  | 'queue.created'
  | 'queue.updated'
  | 'queue.paused'
  | 'queue.resumed'
  | 'user.created'
  | 'user.updated'
  | 'apikey.created'
  | 'apikey.revoked'
  | 'auth.login_failed'
  | 'auth.login_throttled'
  | 'model.drift_detected'
  | 'model.alert_acknowledged'
  | 'gold.created';

export type SubjectType = 'item' | 'queue' | 'user' | 'apikey' | 'delivery' | 'auth' | 'alert' | 'gold';

export interface AuditEventInput {
  actor: Actor;
  action: AuditAction;
  subjectType: SubjectType;
  subjectId: string;
  queueId?: string | null;
  data?: Record<string, unknown>;
}

export interface AuditEventView {
  seq: number;
  id: string;
  at: string;
  actor: Actor;
  action: AuditAction;
  subject: { type: SubjectType; id: string };
  data: Record<string, unknown>;
}
