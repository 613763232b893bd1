import { appendAuditEvent, type Actor } from '@arbiter/audit';
import {
  DomainError,
  type DriftPolicy,
  type JsonSchema,
  type JsonValue,
  type SlaPolicy,
} from '@arbiter/contracts';
import { generateWebhookSecret } from '@arbiter/auth';
import { Database, isUniqueViolation, type Sql } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import type { Queue, QueueSettings } from './queue.js';

interface QueueRow {
  id: string;
  slug: string;
  name: string;
  instructions: string;
  output_schema: JsonSchema | null;
  auto_approve_above: number | null;
  lease_seconds: number;
  sla_seconds: number | null;
  on_sla_breach: SlaPolicy;
  fallback_output: JsonValue;
  escalate_to: string | null;
  reviews_required: number;
  qa_sample_rate: number;
  gold_rate: number;
  allow_admin_review: boolean;
  max_pending: number | null;
  callback_url: string | null;
  drift_delta: number;
  on_drift: DriftPolicy;
  target_override_rate: number;
  alert_url: string | null;
  paused: boolean;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const SELECT_QUEUE = `
  SELECT q.*, e.slug AS escalate_to FROM queues q LEFT JOIN queues e ON e.id = q.escalate_to_id`;

/** Column of each setting; JSON columns are marked so values are serialised (a JSON null is not SQL NULL). */
const COLUMNS: Record<keyof QueueSettings, { column: string; json?: boolean }> = {
  name: { column: 'name' },
  instructions: { column: 'instructions' },
  outputSchema: { column: 'output_schema', json: true },
  autoApproveAbove: { column: 'auto_approve_above' },
  leaseSeconds: { column: 'lease_seconds' },
  slaSeconds: { column: 'sla_seconds' },
  onSlaBreach: { column: 'on_sla_breach' },
  fallbackOutput: { column: 'fallback_output', json: true },
  escalateTo: { column: 'escalate_to_id' },
  reviewsRequired: { column: 'reviews_required' },
  qaSampleRate: { column: 'qa_sample_rate' },
  goldRate: { column: 'gold_rate' },
  allowAdminReview: { column: 'allow_admin_review' },
  maxPending: { column: 'max_pending' },
  callbackUrl: { column: 'callback_url' },
  driftDelta: { column: 'drift_delta' },
  onDrift: { column: 'on_drift' },
  targetOverrideRate: { column: 'target_override_rate' },
  alertUrl: { column: 'alert_url' },
};

function toQueue(row: QueueRow): Queue {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    instructions: row.instructions,
    outputSchema: row.output_schema,
    autoApproveAbove: row.auto_approve_above,
    leaseSeconds: row.lease_seconds,
    slaSeconds: row.sla_seconds,
    onSlaBreach: row.on_sla_breach,
    fallbackOutput: row.fallback_output,
    escalateTo: row.escalate_to,
    reviewsRequired: row.reviews_required,
    qaSampleRate: row.qa_sample_rate,
    goldRate: row.gold_rate,
    allowAdminReview: row.allow_admin_review,
    maxPending: row.max_pending,
    callbackUrl: row.callback_url,
    driftDelta: row.drift_delta,
    onDrift: row.on_drift,
    targetOverrideRate: row.target_override_rate,
    alertUrl: row.alert_url,
    paused: row.paused,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

@Injectable()
export class QueueRepository {
  constructor(private readonly db: Database) {}

  async findBySlug(slug: string): Promise<Queue | null> {
    const [row] = await this.db.query<QueueRow>(`${SELECT_QUEUE} WHERE q.slug = $1`, [slug]);
    return row ? toQueue(row) : null;
  }

  async findById(id: string): Promise<Queue | null> {
    const [row] = await this.db.query<QueueRow>(`${SELECT_QUEUE} WHERE q.id = $1`, [id]);
    return row ? toQueue(row) : null;
  }

  async list(): Promise<Queue[]> {
    const rows = await this.db.query<QueueRow>(`${SELECT_QUEUE} ORDER BY q.slug`);
    return rows.map(toQueue);
  }

  /** How many pending items are assigned to the user, by queue id (queues with none are absent). */
  async assignedCounts(userId: string): Promise<Map<string, number>> {
    const rows = await this.db.query<{ queue_id: string; n: number }>(
      `SELECT queue_id, count(*)::int AS n FROM items
        WHERE assignee_id = $1 AND status = 'pending' GROUP BY queue_id`,
      [userId],
    );
    return new Map(rows.map((r) => [r.queue_id, r.n]));
  }

  async create(slug: string, settings: QueueSettings, actor: Actor): Promise<Queue> {
    try {
      return await this.db.transaction(async (tx) => {
        const [created] = await tx.query<{ id: string }>(
          `INSERT INTO queues (slug, name) VALUES ($1, $2) RETURNING id`,
          [slug, settings.name],
        );
        await applySettings(tx, created!.id, { ...settings, name: undefined }, false);
        const alertSecret = await ensureAlertSecret(tx, created!.id);
        const queue = await findByIdIn(tx, created!.id);
        await appendAuditEvent(tx, {
          actor,
          action: 'queue.created',
          subjectType: 'queue',
          subjectId: queue.id,
          queueId: queue.id,
          data: { after: auditable(queue) },
        });
        return alertSecret ? { ...queue, alertSecret } : queue;
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DomainError('CONFLICT', `A queue with slug "${slug}" exists`);
      throw error;
    }
  }

  /** Applies `change` under a row lock; `check` sees the queue as it would be and may refuse it. */
  async update(
    slug: string,
    change: QueueSettings,
    actor: Actor,
    check: (next: Queue) => void,
  ): Promise<Queue> {
    return this.db.transaction(async (tx) => {
      const before = await lockBySlug(tx, slug);
      await applySettings(tx, before.id, change);
      const alertSecret = await ensureAlertSecret(tx, before.id);
      const after = await findByIdIn(tx, before.id);
      check(after);
      const changed = diff(auditable(before), auditable(after));
      if (Object.keys(changed.after).length > 0) {
        await appendAuditEvent(tx, {
          actor,
          action: 'queue.updated',
          subjectType: 'queue',
          subjectId: after.id,
          queueId: after.id,
          data: changed,
        });
      }
      return alertSecret ? { ...after, alertSecret } : after;
    });
  }

  /** Pauses or resumes; a queue already in that state is returned unchanged and nothing is recorded. */
  async setPaused(slug: string, paused: boolean, actor: Actor): Promise<Queue> {
    return this.db.transaction(async (tx) => {
      const queue = await lockBySlug(tx, slug);
      if (queue.paused === paused) return queue;
      await tx.query(
        `UPDATE queues SET paused = $2, version = version + 1, updated_at = now() WHERE id = $1`,
        [queue.id, paused],
      );
      await appendAuditEvent(tx, {
        actor,
        action: paused ? 'queue.paused' : 'queue.resumed',
        subjectType: 'queue',
        subjectId: queue.id,
        queueId: queue.id,
      });
      return findByIdIn(tx, queue.id);
    });
  }
}

async function lockBySlug(tx: Sql, slug: string): Promise<Queue> {
  const [row] = await tx.query<{ id: string }>(`SELECT id FROM queues WHERE slug = $1 FOR UPDATE`, [slug]);
  if (!row) throw DomainError.notFound('Queue');
  return findByIdIn(tx, row.id);
}

async function findByIdIn(tx: Sql, id: string): Promise<Queue> {
  const [row] = await tx.query<QueueRow>(`${SELECT_QUEUE} WHERE q.id = $1`, [id]);
  return toQueue(row!);
}

/** Writes the given settings; `newVersion` is false while creating (the new row already is version 1). */
async function applySettings(tx: Sql, id: string, settings: QueueSettings, newVersion = true): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [id];
  for (const [key, value] of Object.entries(settings) as [keyof QueueSettings, unknown][]) {
    if (value === undefined) continue;
    const { column, json } = COLUMNS[key];
    if (key === 'escalateTo') {
      if (value !== null) {
        const [target] = await tx.query<{ id: string }>(`SELECT id FROM queues WHERE slug = $1`, [value]);
        if (!target)
          throw DomainError.validation([{ path: 'escalateTo', message: `unknown queue "${String(value)}"` }]);
        if (target.id === id)
          throw DomainError.validation([{ path: 'escalateTo', message: 'cannot be the queue itself' }]);
        params.push(target.id);
      } else {
        params.push(null);
      }
    } else {
      params.push(json && value !== null ? JSON.stringify(value) : value);
    }
    sets.push(`${column} = $${params.length}`);
  }
  if (sets.length === 0) return;
  await tx.query(
    `UPDATE queues SET ${sets.join(', ')}, version = version + ${newVersion ? 1 : 0}, updated_at = now() WHERE id = $1`,
    params,
  );
}

/** A queue given an alertUrl for the first time gets the secret its alert webhooks are signed with. */
async function ensureAlertSecret(tx: Sql, id: string): Promise<string | null> {
  const [row] = await tx.query<{ alert_secret: string }>(
    `UPDATE queues SET alert_secret = $2 WHERE id = $1 AND alert_url IS NOT NULL AND alert_secret IS NULL
     RETURNING alert_secret`,
    [id, generateWebhookSecret()],
  );
  return row?.alert_secret ?? null;
}

function auditable(queue: Queue): Record<string, unknown> {
  const { id: _id, version: _v, createdAt: _c, updatedAt: _u, ...rest } = queue;
  return rest;
}

function diff(before: Record<string, unknown>, after: Record<string, unknown>) {
  const changed = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
  return {
    before: Object.fromEntries(changed.map((k) => [k, before[k]])),
    after: Object.fromEntries(changed.map((k) => [k, after[k]])),
  };
}
