import { type Actor, appendAuditEvent, SYSTEM_ACTOR } from '@arbiter/audit';
import type { Delivery, DeliveryStatus } from '@arbiter/contracts';
import { Database, type Sql } from '@arbiter/database';
import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { NextStep } from './retry-policy.js';

export interface DueDelivery {
  deliveryId: string;
  generation: number;
}

/** A delivery whose attempt this caller now owns (until its lease runs out). */
export interface OwnedDelivery {
  id: string;
  webhookId: string;
  /** The decided item; null for a drift alert (whose body is stored with it). */
  itemId: string | null;
  alertId: string | null;
  queueId: string;
  url: string;
  body: string | null;
  secret: string;
  /** Attempts so far since the delivery was created or last replayed. */
  roundAttempts: number;
  /** The generation the owner records its outcome against. */
  generation: number;
  leasedAt: Date;
}

export type TakeResult =
  | { kind: 'taken'; delivery: OwnedDelivery }
  /** An earlier attempt's lease ran out with no outcome (its worker died): that attempt is now this caller's to record. */
  | { kind: 'abandoned'; delivery: OwnedDelivery }
  | { kind: 'early'; waitMs: number }
  | { kind: 'stale' };

export interface AttemptToRecord {
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number | null;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  queueId?: string;
  limit: number;
  /** The delivery the page starts after, in the newest-first order (the one a cursor names). */
  afterId?: string;
}

export interface DeliveryPage {
  deliveries: Delivery[];
  /** How many deliveries match the filter, paging aside. */
  total: number;
  /** Whether deliveries that match come after this page. */
  more: boolean;
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  item_id: string | null;
  alert_id: string | null;
  queue_id: string;
  api_key_id: string;
  url: string;
  status: DeliveryStatus;
  body: string | null;
  round_attempts: number;
  generation: number;
  next_attempt_at: Date;
  leased_at: Date | null;
  lease_until: Date | null;
}

interface ViewRow {
  id: string;
  webhook_id: string;
  item_id: string | null;
  alert_id: string | null;
  queue: string;
  url: string;
  status: DeliveryStatus;
  created_at: Date;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  attempts: { at: string; statusCode: number | null; error: string | null; durationMs: number | null }[];
}

const SELECT_VIEW = `
  SELECT d.id, d.webhook_id, d.item_id, d.alert_id, q.slug AS queue, d.url, d.status, d.created_at, d.delivered_at,
         CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
         coalesce((SELECT json_agg(json_build_object('at', a.at, 'statusCode', a.status_code, 'error', a.error,
                                                     'durationMs', a.duration_ms) ORDER BY a.id)
                     FROM delivery_attempts a WHERE a.delivery_id = d.id), '[]') AS attempts
    FROM deliveries d JOIN queues q ON q.id = d.queue_id`;

/**
 * Back to pending under the same webhook id, due now, with a fresh round of attempts unless it was still
 * pending; to the callback (or alert) URL as it stands now (an admin may have fixed the queue's since).
 */
const REPLAY = `
  round_attempts = CASE WHEN d.status = 'pending' THEN d.round_attempts ELSE 0 END,
  status = 'pending', next_attempt_at = now(), generation = d.generation + 1, delivered_at = NULL,
  url = CASE WHEN d.alert_id IS NOT NULL THEN coalesce(nullif(q.alert_url, ''), d.url)
             ELSE coalesce(nullif((SELECT i.callback_url FROM items i WHERE i.id = d.item_id), ''),
                           nullif(q.callback_url, ''), d.url) END,
  updated_at = now()`;

/** Not in flight: never leased, or its lease ran out. */
const LEASE_FREE = `(d.lease_until IS NULL OR d.lease_until <= now())`;

/** Audits each row of a `replayed` CTE, the actor being parameters $n (type), $n+1 (id), $n+2 (name). */
function auditReplayed(n: number): string {
  return `INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
          SELECT $${n}, $${n + 1}, $${n + 2}, 'delivery.replayed', 'delivery', r.id::text, r.queue_id,
                 jsonb_build_object('itemId', r.item_id, 'webhookId', r.webhook_id)
                   || CASE WHEN r.alert_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('alertId', r.alert_id) END
            FROM replayed r`;
}

function toView(row: ViewRow): Delivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    itemId: row.item_id,
    ...(row.alert_id ? { alertId: row.alert_id } : {}),
    queue: row.queue,
    url: row.url,
    status: row.status,
    attempts: row.attempts.map((a) => ({ ...a, at: new Date(a.at).toISOString() })),
    createdAt: row.created_at.toISOString(),
    nextAttemptAt: row.next_attempt_at?.toISOString() ?? null,
    deliveredAt: row.delivered_at?.toISOString() ?? null,
  };
}

/**
 * The outbox of webhook deliveries. Rows are written by the items trigger (migration 1764700000000); here
 * they are handed out, leased, settled and replayed. Every change is fenced by `generation`, so of two
 * workers holding jobs for one delivery only the current one can act.
 */
@Injectable()
export class DeliveryRepository {
  constructor(private readonly db: Database) {}

  /** Pending deliveries that are due and not in flight, oldest due first. */
  async due(limit: number): Promise<DueDelivery[]> {
    const rows = await this.db.query<{ id: string; generation: number }>(
      `SELECT d.id, d.generation FROM deliveries d
        WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND ${LEASE_FREE}
        ORDER BY d.next_attempt_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ deliveryId: r.id, generation: r.generation }));
  }

  /**
   * Starts an attempt for the job of `generation`: leases the delivery for `leaseMs` and moves the
   * generation on. A job of another generation, or for a delivery that is no longer pending, is stale.
   */
  async take(id: string, generation: number, leaseMs: number): Promise<TakeResult> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<DeliveryRow & { secret: string; wait_ms: number; lease_live: boolean }>(
        `SELECT d.*, CASE WHEN d.alert_id IS NULL THEN k.webhook_secret ELSE q.alert_secret END AS secret,
                NOT ${LEASE_FREE} AS lease_live,
                greatest(0, ceil(extract(epoch FROM d.next_attempt_at - now()) * 1000))::int AS wait_ms
           FROM deliveries d JOIN queues q ON q.id = d.queue_id LEFT JOIN api_keys k ON k.id = d.api_key_id
          WHERE d.id = $1 FOR UPDATE OF d`,
        [id],
      );
      if (!row || row.status !== 'pending' || row.generation !== generation || row.lease_live) {
        return { kind: 'stale' };
      }
      if (row.lease_until !== null) {
        return { kind: 'abandoned', delivery: owned(row, row.generation, row.leased_at ?? row.lease_until) };
      }
      if (row.wait_ms > 0) return { kind: 'early', waitMs: row.wait_ms };
      const [leased] = await tx.query<{ generation: number; leased_at: Date }>(
        `UPDATE deliveries
            SET generation = generation + 1, leased_at = now(),
                lease_until = now() + $2 * interval '1 millisecond', updated_at = now()
          WHERE id = $1 RETURNING generation, leased_at`,
        [id, leaseMs],
      );
      return { kind: 'taken', delivery: owned(row, leased!.generation, leased!.leased_at) };
    });
  }

  /** Keeps the first body built for a delivery, so every attempt and replay sends the same bytes. */
  async keepBody(id: string, body: string): Promise<string> {
    const [row] = await this.db.query<{ body: string }>(
      `UPDATE deliveries SET body = coalesce(body, $2) WHERE id = $1 RETURNING body`,
      [id, body],
    );
    return row?.body ?? body;
  }

  /**
   * Records the owner's attempt and where the delivery goes next, with the audit event of a success or a
   * dead letter, in one transaction. Null when the owner was fenced out (its lease ran out and someone
   * else took over): nothing is recorded then.
   */
  async settle(
    delivery: OwnedDelivery,
    attempt: AttemptToRecord,
    step: NextStep,
  ): Promise<{ generation: number; delayMs: number } | null> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query<{ generation: number; round_attempts: number; delay_ms: number }>(
        `UPDATE deliveries
            SET status = $3, generation = generation + 1, round_attempts = round_attempts + 1,
                next_attempt_at = CASE WHEN $3 = 'pending' THEN now() + $4 * interval '1 millisecond'
                                       ELSE next_attempt_at END,
                delivered_at = CASE WHEN $3 = 'delivered' THEN now() ELSE delivered_at END,
                leased_at = NULL, lease_until = NULL, updated_at = now()
          WHERE id = $1 AND generation = $2 AND status = 'pending'
          RETURNING generation, round_attempts,
                    greatest(0, ceil(extract(epoch FROM next_attempt_at - now()) * 1000))::int AS delay_ms`,
        [delivery.id, delivery.generation, step.status, step.status === 'pending' ? step.delayMs : 0],
      );
      if (!row) return null;
      await tx.query(
        `INSERT INTO delivery_attempts (delivery_id, at, status_code, error, duration_ms)
         VALUES ($1, $2, $3, $4, $5)`,
        [delivery.id, attempt.at, attempt.statusCode, attempt.error, attempt.durationMs],
      );
      if (step.status !== 'pending') {
        await appendAuditEvent(tx, {
          actor: SYSTEM_ACTOR,
          action: step.status === 'delivered' ? 'delivery.succeeded' : 'delivery.dead',
          subjectType: 'delivery',
          subjectId: delivery.id,
          queueId: delivery.queueId,
          data: {
            itemId: delivery.itemId,
            ...(delivery.alertId ? { alertId: delivery.alertId } : {}),
            webhookId: delivery.webhookId,
            url: delivery.url,
            attempts: row.round_attempts,
            statusCode: attempt.statusCode,
            ...(step.status === 'dead' ? { error: attempt.error, reason: step.reason } : {}),
          },
        });
      }
      return { generation: row.generation, delayMs: row.delay_ms };
    });
  }

  /**
   * A page of deliveries, newest first (created_at, then id), after `afterId` if given, with how many match.
   * One snapshot for the page and the count. The position is the named row's own (created_at, id), compared
   * in SQL, whatever its status is now. Null when `afterId` names no delivery.
   */
  async page(filter: DeliveryFilter): Promise<DeliveryPage | null> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`);
      const after = filter.afterId ?? null;
      if (after !== null) {
        const [found] = await tx.query(`SELECT 1 FROM deliveries WHERE id = $1`, [after]);
        if (!found) return null;
      }
      const matches = `($1::text IS NULL OR d.status = $1) AND ($2::uuid IS NULL OR d.queue_id = $2)`;
      const rows = await tx.query<ViewRow>(
        `${SELECT_VIEW}
          WHERE ${matches}
            AND ($3::uuid IS NULL OR (d.created_at, d.id) < (SELECT c.created_at, c.id FROM deliveries c WHERE c.id = $3))
          ORDER BY d.created_at DESC, d.id DESC LIMIT $4`,
        [filter.status ?? null, filter.queueId ?? null, after, filter.limit + 1],
      );
      const [counted] = await tx.query<{ total: number }>(
        `SELECT count(*)::int AS total FROM deliveries d WHERE ${matches}`,
        [filter.status ?? null, filter.queueId ?? null],
      );
      return {
        deliveries: rows.slice(0, filter.limit).map(toView),
        total: counted!.total,
        more: rows.length > filter.limit,
      };
    });
  }

  async findView(id: string): Promise<Delivery | null> {
    const [row] = await this.db.query<ViewRow>(`${SELECT_VIEW} WHERE d.id = $1`, [id]);
    return row ? toView(row) : null;
  }

  async queueIdOf(slug: string): Promise<string | null> {
    const [row] = await this.db.query<{ id: string }>(`SELECT id FROM queues WHERE slug = $1`, [slug]);
    return row?.id ?? null;
  }

  /**
   * Sends a delivery again under the same webhook id: a delivered or dead one goes back to pending with a
   * fresh round of attempts (its history kept); a pending one is made due now. One in flight is left to
   * finish. False when there is no such delivery.
   */
  async replay(id: string, actor: Actor): Promise<boolean> {
    const [row] = await this.db.query<{ id: string }>(
      `WITH replayed AS (
         UPDATE deliveries d SET ${REPLAY}
           FROM queues q
          WHERE d.id = $1 AND q.id = d.queue_id AND ${LEASE_FREE}
          RETURNING d.id, d.item_id, d.alert_id, d.queue_id, d.webhook_id
       ), audited AS (${auditReplayed(2)})
       SELECT id FROM deliveries WHERE id = $1`,
      [id, actor.type, actor.id, actor.name],
    );
    return row !== undefined;
  }

  /** Replays every delivery in `status` (of one queue, if given); returns how many. */
  async replayAll(status: DeliveryStatus, queueId: string | null, actor: Actor): Promise<number> {
    const rows = await this.db.query<{ id: string }>(
      `WITH replayed AS (
         UPDATE deliveries d SET ${REPLAY}
           FROM queues q
          WHERE d.status = $1 AND ($2::uuid IS NULL OR d.queue_id = $2) AND q.id = d.queue_id AND ${LEASE_FREE}
          RETURNING d.id, d.item_id, d.alert_id, d.queue_id, d.webhook_id
       ), audited AS (${auditReplayed(3)})
       SELECT id FROM replayed`,
      [status, queueId, actor.type, actor.id, actor.name],
    );
    return rows.length;
  }
}

function owned(row: DeliveryRow & { secret: string }, generation: number, leasedAt: Date): OwnedDelivery {
  return {
    id: row.id,
    webhookId: row.webhook_id,
    itemId: row.item_id,
    alertId: row.alert_id,
    queueId: row.queue_id,
    url: row.url,
    body: row.body,
    secret: row.secret,
    roundAttempts: row.round_attempts,
    generation,
    leasedAt,
  };
}

/**
 * Puts a drift alert's webhook in the outbox, in the caller's transaction (the one that opens the alert). The
 * body is stored at once: every attempt and replay sends the same bytes, signed with the queue's alert secret.
 */
export async function insertAlertDelivery(
  tx: Sql,
  delivery: { alertId: string; queueId: string; url: string; body: string },
): Promise<string> {
  const id = randomUUID();
  await tx.query(
    `INSERT INTO deliveries (id, webhook_id, alert_id, queue_id, url, body) VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, `msg_${id.replaceAll('-', '')}`, delivery.alertId, delivery.queueId, delivery.url, delivery.body],
  );
  return id;
}
