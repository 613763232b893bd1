import type { JsonValue, PatchOperation } from '@arbiter/contracts';
import { Database, type Sql } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import { type DecisionView, FINAL_STATUSES, type ItemView, type NewItem } from './item.js';

export interface StoredItem {
  createdAt: Date;
  /** As stored: `pending` where auto-approval was suspended by a drift alert. */
  status: ItemView['status'];
}

export interface InsertOutcome {
  /** Items stored by this call, by id. */
  inserted: Map<string, StoredItem>;
}

export interface ExistingItem {
  id: string;
  queueId: string;
  externalId: string;
  idempotencyKey: string | null;
  requestHash: string;
  status: ItemView['status'];
}

/** An items row as the driver gives it, or as `to_jsonb` does (timestamps as strings), with its queue slug. */
export interface ItemRow {
  id: string;
  queue_slug: string;
  queue_id: string;
  status: ItemView['status'];
  external_id: string;
  service: string;
  model_name: string;
  model_version: string;
  input: JsonValue;
  output: JsonValue;
  confidence: number | null;
  reason: ItemView['reason'];
  priority: number;
  metadata: Record<string, JsonValue>;
  callback_url: string | null;
  assignee_id?: string | null;
  sla_deadline: Date | string | null;
  sla_breached_at?: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  decision?: {
    id: string;
    verdict: DecisionView['verdict'];
    output: JsonValue;
    patch: PatchOperation[] | null;
    reviewer_id: string | null;
    comment: string | null;
    decided_at: string;
    duration_ms: number | null;
  } | null;
}

/**
 * One statement stores the items, their auto-approval decisions and their audit events, so each item commits
 * with its record or not at all. Rows that hit a uniqueness constraint (idempotency key, external id) are
 * skipped and reported back by absence.
 */
const INSERT_ITEMS = `
WITH given AS (
  SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
    ord int, id uuid, queue_id uuid, service text, api_key_id uuid, external_id text, idempotency_key text,
    request_hash text, model_name text, model_version text, input jsonb, output jsonb, confidence float8,
    reason text, priority int, metadata jsonb, callback_url text, auto_approve boolean, sla_deadline timestamptz,
    threshold float8, qa_sample boolean, assignee_id uuid)
), r AS (
  -- The decision a submission carries: an auto-approval, unless a drift alert of the model version is open on a
  -- queue that suspends auto-approval; then outputs confident enough for it go to people instead.
  SELECT given.*, s.alert_id AS suspended_by,
         CASE WHEN given.auto_approve AND s.alert_id IS NULL THEN 'auto_approve' END AS verdict
    FROM given LEFT JOIN LATERAL (
      SELECT a.id AS alert_id FROM model_alerts a JOIN queues q ON q.id = a.queue_id
       WHERE given.auto_approve AND a.queue_id = given.queue_id AND a.model_name = given.model_name
         AND a.model_version = given.model_version AND a.state = 'open' AND q.on_drift = 'suspend_auto_approve'
       LIMIT 1) s ON true
), keyed AS (
  -- A keyed submit first claims its key: the primary key serialises it against a batch or another single submit
  -- using the same key at the same moment (the loser waits for the winner's commit, then skips its row). Sorted,
  -- so two statements claiming overlapping keys take them in one order.
  INSERT INTO idempotency_records (service, key, request_hash, item_id)
  SELECT service, idempotency_key, request_hash, id FROM r
   WHERE idempotency_key IS NOT NULL ORDER BY service, idempotency_key
  ON CONFLICT DO NOTHING
  RETURNING item_id
), ins AS (
  INSERT INTO items (id, queue_id, service, api_key_id, external_id, idempotency_key, request_hash, model_name,
                     model_version, input, output, confidence, reason, priority, metadata, callback_url, status,
                     sla_deadline, assignee_id)
  SELECT id, queue_id, service, api_key_id, external_id, idempotency_key, request_hash, model_name,
         model_version, input, output, confidence, reason, priority, metadata, callback_url,
         CASE WHEN verdict IS NULL THEN 'pending' ELSE verdict_status(verdict) END,
         CASE WHEN verdict IS NULL THEN sla_deadline END, assignee_id
    FROM r
   WHERE r.idempotency_key IS NULL OR r.id IN (SELECT item_id FROM keyed)
   ORDER BY ord
  ON CONFLICT DO NOTHING
  RETURNING id, status, created_at
), dec AS (
  INSERT INTO decisions (item_id, queue_id, verdict, output, patch, decided_at)
  SELECT ins.id, r.queue_id, r.verdict, r.output, '[]'::jsonb, ins.created_at
    FROM ins JOIN r USING (id) WHERE r.verdict IS NOT NULL
), aud AS (
  INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
  SELECT 'service', r.api_key_id::text, r.service, e.action, 'item', r.id::text, r.queue_id, e.data
    FROM ins JOIN r USING (id)
   CROSS JOIN LATERAL (VALUES
     (1, 'item.received', jsonb_build_object(
        'externalId', r.external_id, 'reason', r.reason, 'confidence', r.confidence, 'priority', r.priority,
        'model', jsonb_build_object('name', r.model_name, 'version', r.model_version))
        || CASE WHEN r.assignee_id IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('assigneeId', r.assignee_id) END
        || CASE WHEN r.qa_sample THEN jsonb_build_object('qaSample', true) ELSE '{}'::jsonb END
        || CASE WHEN r.suspended_by IS NULL THEN '{}'::jsonb ELSE jsonb_build_object('autoApproveSuspended',
             jsonb_build_object('reason', 'model_drift', 'alertId', r.suspended_by,
                                'autoApproveAbove', r.threshold)) END),
     (2, 'item.auto_approved', jsonb_build_object('confidence', r.confidence, 'autoApproveAbove', r.threshold))
   ) AS e(ord, action, data)
   WHERE e.ord = 1 OR r.verdict IS NOT NULL
   ORDER BY r.ord, e.ord
)
SELECT id, status, created_at FROM ins`;

const SELECT_ITEM = `
  SELECT i.*, q.slug AS queue_slug,
         -- Only a final decision: a first review stays unseen until the second one, which must be independent.
         (SELECT to_jsonb(d) FROM decisions d
           WHERE d.item_id = i.id AND i.status IN (${[...FINAL_STATUSES].map((s) => `'${s}'`).join(', ')})
           ORDER BY d.decided_at DESC LIMIT 1) AS decision
    FROM items i JOIN queues q ON q.id = i.queue_id`;

@Injectable()
export class ItemRepository {
  constructor(private readonly db: Database) {}

  async insertMany(items: (NewItem & { autoApproveAbove: number | null })[]): Promise<InsertOutcome> {
    if (items.length === 0) return { inserted: new Map() };
    const payload = items.map((item, ord) => ({
      ord,
      id: item.id,
      queue_id: item.queueId,
      service: item.service,
      api_key_id: item.apiKeyId,
      external_id: item.externalId,
      idempotency_key: item.idempotencyKey,
      request_hash: item.requestHash,
      model_name: item.modelName,
      model_version: item.modelVersion,
      input: item.input,
      output: item.output === undefined ? null : item.output,
      confidence: item.confidence,
      reason: item.reason,
      priority: item.priority,
      metadata: item.metadata,
      callback_url: item.callbackUrl,
      auto_approve: item.autoApprove,
      // The deadline applies if the item ends up pending (auto-approval can be suspended by the insert).
      sla_deadline: item.slaIfPending,
      threshold: item.autoApproveAbove,
      qa_sample: item.qaSample,
      assignee_id: item.assigneeId,
    }));
    const store = async (sql: Sql): Promise<InsertOutcome> => {
      const rows = await sql.query<{ id: string; status: ItemView['status']; created_at: Date }>(
        INSERT_ITEMS,
        [JSON.stringify(payload)],
      );
      const inserted = new Map(rows.map((r) => [r.id, { createdAt: r.created_at, status: r.status }]));
      // A key claimed for an item its externalId then kept out names nothing: free it, so nothing of a
      // refused or replayed submission stays stored.
      const unclaimed = items.filter((i) => i.idempotencyKey && !inserted.has(i.id)).map((i) => i.id);
      if (unclaimed.length > 0) {
        await sql.query(`DELETE FROM idempotency_records WHERE item_id = ANY($1::uuid[])`, [unclaimed]);
      }
      return { inserted };
    };
    // With keys, one transaction: a claim on a key must never outlive a failure between the two statements.
    return items.some((i) => i.idempotencyKey) ? this.db.transaction(store) : store(this.db);
  }

  /** Items of a service that hold one of these idempotency keys, or one of these external ids in the queue. */
  async findConflicting(
    service: string,
    queueId: string,
    idempotencyKeys: string[],
    externalIds: string[],
  ): Promise<ExistingItem[]> {
    const rows = await this.db.query<{
      id: string;
      queue_id: string;
      external_id: string;
      idempotency_key: string | null;
      request_hash: string;
      status: ItemView['status'];
    }>(
      `SELECT id, queue_id, external_id, idempotency_key, request_hash, status FROM items
        WHERE service = $1 AND gold_template_id IS NULL
          AND (idempotency_key = ANY($2::text[]) OR (queue_id = $3 AND external_id = ANY($4::text[])))`,
      [service, idempotencyKeys, queueId, externalIds],
    );
    return rows.map((r) => ({
      id: r.id,
      queueId: r.queue_id,
      externalId: r.external_id,
      idempotencyKey: r.idempotency_key,
      requestHash: r.request_hash,
      status: r.status,
    }));
  }

  /** Which of these users the queue's items may be assigned to (see migrations/functions/may_be_assigned.sql). */
  async assignable(queueId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    const rows = await this.db.query<{ id: string }>(
      `SELECT u AS id FROM unnest($2::uuid[]) AS u WHERE may_be_assigned(u, $1)`,
      [queueId, userIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * What decides how much of an item a reader is shown: whether it waits for its second review
   * (reviewsRequired 2) after a first one was given, and whether it is a gold item.
   */
  async readerFlags(id: string): Promise<{ awaitsSecondReview: boolean; gold: boolean }> {
    const [row] = await this.db.query<{ waiting: boolean; gold: boolean }>(
      `SELECT first_review_id IS NOT NULL AS waiting, gold_template_id IS NOT NULL AS gold FROM items WHERE id = $1`,
      [id],
    );
    return { awaitsSecondReview: row?.waiting ?? false, gold: row?.gold ?? false };
  }

  async findView(id: string): Promise<(ItemView & { queueId: string }) | null> {
    const [row] = await this.db.query<ItemRow>(`${SELECT_ITEM} WHERE i.id = $1`, [id]);
    return row ? itemViewFromRow(row) : null;
  }
}

export function itemViewFromRow(row: ItemRow): ItemView & { queueId: string } {
  const d = row.decision ?? null;
  return {
    id: row.id,
    queue: row.queue_slug,
    queueId: row.queue_id,
    status: row.status,
    externalId: row.external_id,
    service: row.service,
    model: { name: row.model_name, version: row.model_version },
    input: row.input,
    output: row.output,
    confidence: row.confidence,
    reason: row.reason,
    priority: row.priority,
    metadata: row.metadata,
    callbackUrl: row.callback_url,
    assigneeId: row.assignee_id ?? null,
    slaDeadline: row.sla_deadline === null ? null : isoOf(row.sla_deadline),
    slaBreachedAt: row.sla_breached_at ? isoOf(row.sla_breached_at) : null,
    createdAt: isoOf(row.created_at),
    updatedAt: isoOf(row.updated_at),
    decision: d && {
      id: d.id,
      itemId: row.id,
      verdict: d.verdict,
      output: d.output,
      patch: d.patch,
      reviewerId: d.reviewer_id,
      comment: d.comment,
      decidedAt: new Date(d.decided_at).toISOString(),
      durationMs: d.duration_ms,
    },
  };
}

function isoOf(time: Date | string): string {
  return (typeof time === 'string' ? new Date(time) : time).toISOString();
}
