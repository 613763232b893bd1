import type { Actor, AuditAction, AuditEvent, SubjectType } from '@arbiter/contracts';

export type { Actor, ActorType, AuditAction, SubjectType } from '@arbiter/contracts';

export const SYSTEM_ACTOR: Actor = { type: 'system', id: null, name: 'arbiter' };

export interface AuditEventInput {
  actor: Actor;
  action: AuditAction;
  subjectType: SubjectType;
  subjectId: string;
  queueId?: string | null;
  data?: Record<string, unknown>;
}

export type AuditEventView = AuditEvent;
