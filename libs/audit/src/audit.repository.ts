import type { JsonValue } from '@arbiter/contracts';
import { Database, type Sql } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import type { Actor, AuditAction, AuditEventInput, AuditEventView, SubjectType } from './audit-event.js';

/**
 * Appends an audit event on the caller's transaction, so the event commits or rolls back with the change
 * it records.
 */
export async function appendAuditEvent(tx: Sql, event: AuditEventInput): Promise<void> {
  await tx.query(
    `INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      event.actor.type,
      event.actor.id,
      event.actor.name,
      event.action,
      event.subjectType,
      event.subjectId,
      event.queueId ?? null,
      JSON.stringify(event.data ?? {}),
    ],
  );
}

interface AuditRow {
  seq: string;
  id: string;
  occurred_at: Date;
  actor_type: Actor['type'];
  actor_id: string | null;
  actor_name: string | null;
  action: AuditAction;
  subject_type: SubjectType;
  subject_id: string;
  data: Record<string, JsonValue>;
}

export function toAuditEventView(row: AuditRow): AuditEventView {
  return {
    seq: Number(row.seq),
    id: row.id,
    at: row.occurred_at.toISOString(),
    actor: { type: row.actor_type, id: row.actor_id, name: row.actor_name },
    action: row.action,
    subject: { type: row.subject_type, id: row.subject_id },
    data: row.data,
  };
}

@Injectable()
export class AuditRepository {
  constructor(private readonly db: Database) {}

  /** Every event about one subject, oldest first. */
  async historyOf(subjectId: string): Promise<AuditEventView[]> {
    const rows = await this.db.query<AuditRow>(
      `SELECT seq, id, occurred_at, actor_type, actor_id, actor_name, action, subject_type, subject_id, data
         FROM audit_events WHERE subject_id = $1 ORDER BY seq`,
      [subjectId],
    );
    return rows.map(toAuditEventView);
  }
}
