import { appendAuditEvent, SYSTEM_ACTOR } from '@arbiter/audit';
import { Database, type Sql } from '@arbiter/database';
import { insertAlertDelivery } from '@arbiter/delivery';
import { Injectable } from '@nestjs/common';
import {
  ALERT_COLUMNS,
  ALERT_FROM,
  type AlertRow,
  type AlertView,
  alertWebhookBody,
  toAlertView,
} from './alert.js';
import {
  type DriftState,
  editedPaths,
  fineBinOf,
  newDriftState,
  observeDecision,
  presentPaths,
} from './stats/index.js';

/** One advisory lock for everything that changes rollups or detector states: folds and acknowledgements. */
export const FOLD_LOCK = `hashtext('arbiter:monitoring_fold')`;

type Verdict = 'approve' | 'correct' | 'reject' | 'auto_approve';

interface DecisionRow {
  txid: string;
  seq: string;
  queue_id: string;
  model_name: string;
  model_version: string;
  verdict: Verdict;
  decided_at: Date;
  confidence: number | null;
  ai_output: unknown;
  patch: unknown;
  qa_sample: boolean;
}

interface QueueRow {
  id: string;
  drift_delta: number;
  alert_url: string | null;
}

export interface FoldResult {
  folded: number;
  /** More decisions were waiting than one pass takes. */
  more: boolean;
  /** Alerts this pass opened, for the caller to announce once committed. */
  opened: AlertView[];
  /** False when another process held the fold (it will fold what is waiting). */
  ran: boolean;
}

/**
 * Decisions in commit-safe order: the `item.decided` and `item.auto_approved` audit events after the
 * watermark, by (txid, seq), of transactions older than the oldest one still running (`$3`). Those have all
 * ended, so nothing can appear behind the watermark later and every decision is read exactly once.
 * The events are cut to the batch before anything is joined to them, so a pass costs its batch, not the
 * backlog; each event gives one row (with no decision when it names none to fold), so the last row is
 * always the last event read. A gold item's decisions are never folded: they judge the reviewer, not the model.
 */
const NEXT_DECISIONS = `
  WITH e AS (
    SELECT e.txid, e.seq, e.action, e.subject_id, e.data FROM audit_events e
     WHERE e.txid >= $1::xid8 AND e.txid < $3::xid8 AND (e.txid, e.seq) > ($1::xid8, $2::bigint)
       AND e.action IN ('item.decided', 'item.auto_approved')
     ORDER BY e.txid, e.seq
     LIMIT $4
  )
  SELECT e.txid::text AS txid, e.seq::text AS seq, CASE WHEN i.gold_template_id IS NULL THEN d.queue_id END AS queue_id,
         i.model_name, i.model_version, d.verdict, d.decided_at, i.confidence, d.patch,
         CASE WHEN d.verdict <> 'auto_approve' THEN i.output END AS ai_output,
         d.verdict <> 'auto_approve' AND EXISTS (
           SELECT 1 FROM audit_events r
            WHERE r.subject_id = e.subject_id AND r.action = 'item.received' AND r.data ? 'qaSample') AS qa_sample
    FROM e
    LEFT JOIN decisions d ON d.id = CASE WHEN e.action = 'item.decided' THEN (e.data->>'decisionId')::uuid
      ELSE (SELECT x.id FROM decisions x WHERE x.item_id = e.subject_id::uuid AND x.verdict = 'auto_approve' LIMIT 1)
    END AND d.verdict IN ('approve', 'correct', 'reject', 'auto_approve')
    LEFT JOIN items i ON i.id = d.item_id
   ORDER BY e.txid, e.seq`;

interface Rollup {
  queueId: string;
  name: string;
  version: string;
  hour: Date;
  approved: number;
  corrected: number;
  rejected: number;
  autoApproved: number;
  qaSampled: number;
  qaOverrides: number;
  first: Date;
  last: Date;
}

interface BinRollup {
  hourKey: string;
  bin: number;
  count: number;
  accepted: number;
  confidenceSum: number;
  brierSum: number;
}

interface FieldRollup {
  hourKey: string;
  path: string;
  edits: number;
  present: number;
  touched: number;
}

const versionKey = (queueId: string, name: string, version: string) =>
  JSON.stringify([queueId, name, version]);

function hourOf(at: Date): Date {
  const hour = new Date(at);
  hour.setUTCMinutes(0, 0, 0);
  return hour;
}

/**
 * Folds decisions into the monitoring rollups and runs each model version's drift detector over them, in
 * decision order. One transaction covers the rollups, the detector states, any alert opened (with its audit
 * event and its webhook in the outbox) and the watermark, so a fold that dies leaves nothing behind and the
 * next one starts from where the last committed one ended.
 */
@Injectable()
export class FoldRepository {
  constructor(private readonly db: Database) {}

  async foldPass(limit: number): Promise<FoldResult> {
    return this.db.transaction(async (tx) => {
      const [lock] = await tx.query<{ locked: boolean }>(
        `SELECT pg_try_advisory_xact_lock(${FOLD_LOCK}) AS locked`,
      );
      if (!lock?.locked) return { folded: 0, more: false, opened: [], ran: false };
      const [mark] = (await tx.query<{ txid: string; seq: string; horizon: string }>(
        `SELECT txid::text, seq::text, pg_snapshot_xmin(pg_current_snapshot())::text AS horizon
           FROM monitoring_watermark WHERE id = 1`,
      )) as [{ txid: string; seq: string; horizon: string }];
      const events = await tx.query<DecisionRow | (Pick<DecisionRow, 'txid' | 'seq'> & { queue_id: null })>(
        NEXT_DECISIONS,
        [mark.txid, mark.seq, mark.horizon, limit],
      );
      const more = events.length === limit;
      const last = events.at(-1);
      // Everything below the horizon has been read unless the batch was cut short.
      const next = more && last ? { txid: last.txid, seq: last.seq } : { txid: mark.horizon, seq: '0' };
      const rows = events.filter((e): e is DecisionRow => e.queue_id !== null);
      const opened = rows.length > 0 ? await this.fold(tx, rows) : [];
      await tx.query(
        `UPDATE monitoring_watermark SET txid = $1::xid8, seq = $2::bigint, folded = folded + $3,
                folded_at = CASE WHEN $3 > 0 THEN now() ELSE folded_at END
          WHERE id = 1`,
        [next.txid, next.seq, rows.length],
      );
      return { folded: rows.length, more, opened, ran: true };
    });
  }

  private async fold(tx: Sql, rows: DecisionRow[]): Promise<AlertView[]> {
    const rollups = new Map<string, Rollup>();
    const bins = new Map<string, BinRollup>();
    const fields = new Map<string, FieldRollup>();
    const keys = new Map<string, { queueId: string; name: string; version: string }>();
    for (const row of rows) {
      keys.set(versionKey(row.queue_id, row.model_name, row.model_version), {
        queueId: row.queue_id,
        name: row.model_name,
        version: row.model_version,
      });
    }
    const versions = [...keys.values()];
    const queues = await this.queuesOf(tx, [...new Set(versions.map((v) => v.queueId))]);
    const states = await this.statesOf(tx, versions);
    const openAlerts = await this.openAlertsOf(tx, versions);
    const toOpen: { key: string; state: DriftState; at: Date }[] = [];

    for (const row of rows) {
      const key = versionKey(row.queue_id, row.model_name, row.model_version);
      const hour = hourOf(row.decided_at);
      const hourKey = JSON.stringify([row.queue_id, row.model_name, row.model_version, hour.toISOString()]);
      let rollup = rollups.get(hourKey);
      if (!rollup) {
        rollup = {
          queueId: row.queue_id,
          name: row.model_name,
          version: row.model_version,
          hour,
          approved: 0,
          corrected: 0,
          rejected: 0,
          autoApproved: 0,
          qaSampled: 0,
          qaOverrides: 0,
          first: row.decided_at,
          last: row.decided_at,
        };
        rollups.set(hourKey, rollup);
      }
      if (row.decided_at < rollup.first) rollup.first = row.decided_at;
      if (row.decided_at > rollup.last) rollup.last = row.decided_at;
      if (row.verdict === 'auto_approve') {
        rollup.autoApproved += 1;
        continue;
      }
      const override = row.verdict !== 'approve';
      if (row.verdict === 'approve') rollup.approved += 1;
      else if (row.verdict === 'correct') rollup.corrected += 1;
      else rollup.rejected += 1;
      if (row.qa_sample) {
        rollup.qaSampled += 1;
        if (override) rollup.qaOverrides += 1;
      }
      if (row.confidence !== null) {
        const bin = fineBinOf(row.confidence);
        const binKey = `${hourKey}#${bin}`;
        const entry = bins.get(binKey) ?? {
          hourKey,
          bin,
          count: 0,
          accepted: 0,
          confidenceSum: 0,
          brierSum: 0,
        };
        const outcome = override ? 0 : 1;
        entry.count += 1;
        entry.accepted += outcome;
        entry.confidenceSum += row.confidence;
        entry.brierSum += (row.confidence - outcome) ** 2;
        bins.set(binKey, entry);
      }
      const present = presentPaths(row.ai_output);
      const edited = row.verdict === 'correct' ? editedPaths(row.patch, row.ai_output) : [];
      const field = (path: string) => {
        const fieldKey = `${hourKey}#${path}`;
        let entry = fields.get(fieldKey);
        if (!entry) {
          entry = { hourKey, path, edits: 0, present: 0, touched: 0 };
          fields.set(fieldKey, entry);
        }
        return entry;
      };
      for (const path of present) field(path).present += 1;
      for (const path of edited) field(path).edits += 1;
      for (const path of new Set([...present, ...edited])) field(path).touched += 1;

      const queue = queues.get(row.queue_id)!;
      const observed = observeDecision(states.get(key) ?? newDriftState(), override, queue.drift_delta);
      states.set(key, observed.state);
      if (observed.crossed && !openAlerts.has(key)) {
        openAlerts.add(key);
        toOpen.push({ key, state: observed.state, at: row.decided_at });
      }
    }

    await this.writeRollups(tx, [...rollups.values()], [...bins.values()], [...fields.values()]);
    await this.writeStates(tx, keys, states);
    const opened: AlertView[] = [];
    for (const { key, state } of toOpen) {
      const version = keys.get(key)!;
      opened.push(await this.openAlert(tx, version, state, queues.get(version.queueId)!));
    }
    return opened;
  }

  private async queuesOf(tx: Sql, ids: string[]): Promise<Map<string, QueueRow>> {
    const rows = await tx.query<QueueRow>(
      `SELECT id, drift_delta, alert_url FROM queues WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r]));
  }

  private async statesOf(
    tx: Sql,
    versions: { queueId: string; name: string; version: string }[],
  ): Promise<Map<string, DriftState>> {
    const rows = await tx.query<{
      queue_id: string;
      model_name: string;
      model_version: string;
      state: DriftState;
    }>(
      `SELECT d.queue_id, d.model_name, d.model_version, d.state FROM model_drift d
         JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS k(queue_id, model_name, model_version)
           USING (queue_id, model_name, model_version)`,
      columnsOf(versions),
    );
    return new Map(rows.map((r) => [versionKey(r.queue_id, r.model_name, r.model_version), r.state]));
  }

  private async openAlertsOf(
    tx: Sql,
    versions: { queueId: string; name: string; version: string }[],
  ): Promise<Set<string>> {
    const rows = await tx.query<{ queue_id: string; model_name: string; model_version: string }>(
      `SELECT a.queue_id, a.model_name, a.model_version FROM model_alerts a
         JOIN unnest($1::uuid[], $2::text[], $3::text[]) AS k(queue_id, model_name, model_version)
           USING (queue_id, model_name, model_version)
        WHERE a.state = 'open'`,
      columnsOf(versions),
    );
    return new Set(rows.map((r) => versionKey(r.queue_id, r.model_name, r.model_version)));
  }

  private async writeRollups(
    tx: Sql,
    rollups: Rollup[],
    bins: BinRollup[],
    fields: FieldRollup[],
  ): Promise<void> {
    await tx.query(
      `INSERT INTO model_rollups AS r (queue_id, model_name, model_version, hour, approved, corrected, rejected,
                                       auto_approved, qa_sampled, qa_overrides, first_decided_at, last_decided_at)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::int[], $6::int[], $7::int[],
                            $8::int[], $9::int[], $10::int[], $11::timestamptz[], $12::timestamptz[])
       ON CONFLICT (queue_id, model_name, model_version, hour) DO UPDATE SET
         approved = r.approved + excluded.approved, corrected = r.corrected + excluded.corrected,
         rejected = r.rejected + excluded.rejected, auto_approved = r.auto_approved + excluded.auto_approved,
         qa_sampled = r.qa_sampled + excluded.qa_sampled, qa_overrides = r.qa_overrides + excluded.qa_overrides,
         first_decided_at = least(r.first_decided_at, excluded.first_decided_at),
         last_decided_at = greatest(r.last_decided_at, excluded.last_decided_at)`,
      [
        rollups.map((r) => r.queueId),
        rollups.map((r) => r.name),
        rollups.map((r) => r.version),
        rollups.map((r) => r.hour),
        rollups.map((r) => r.approved),
        rollups.map((r) => r.corrected),
        rollups.map((r) => r.rejected),
        rollups.map((r) => r.autoApproved),
        rollups.map((r) => r.qaSampled),
        rollups.map((r) => r.qaOverrides),
        rollups.map((r) => r.first),
        rollups.map((r) => r.last),
      ],
    );
    await tx.query(
      `INSERT INTO model_totals AS t (queue_id, model_name, model_version, approved, corrected, rejected)
       SELECT queue_id, model_name, model_version, sum(approved), sum(corrected), sum(rejected)
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[])
              AS r(queue_id, model_name, model_version, approved, corrected, rejected)
        GROUP BY queue_id, model_name, model_version
       ON CONFLICT (queue_id, model_name, model_version) DO UPDATE SET
         approved = t.approved + excluded.approved, corrected = t.corrected + excluded.corrected,
         rejected = t.rejected + excluded.rejected`,
      [
        rollups.map((r) => r.queueId),
        rollups.map((r) => r.name),
        rollups.map((r) => r.version),
        rollups.map((r) => r.approved),
        rollups.map((r) => r.corrected),
        rollups.map((r) => r.rejected),
      ],
    );
    const hourKeyParts = (hourKey: string) => JSON.parse(hourKey) as [string, string, string, string];
    if (bins.length > 0) {
      const parts = bins.map((b) => hourKeyParts(b.hourKey));
      await tx.query(
        `INSERT INTO model_confidence_rollups AS r (queue_id, model_name, model_version, hour, bin, count, accepted,
                                                    confidence_sum, brier_sum)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::smallint[], $6::int[],
                              $7::int[], $8::float8[], $9::float8[])
         ON CONFLICT (queue_id, model_name, model_version, hour, bin) DO UPDATE SET
           count = r.count + excluded.count, accepted = r.accepted + excluded.accepted,
           confidence_sum = r.confidence_sum + excluded.confidence_sum, brier_sum = r.brier_sum + excluded.brier_sum`,
        [
          parts.map((p) => p[0]),
          parts.map((p) => p[1]),
          parts.map((p) => p[2]),
          parts.map((p) => p[3]),
          bins.map((b) => b.bin),
          bins.map((b) => b.count),
          bins.map((b) => b.accepted),
          bins.map((b) => b.confidenceSum),
          bins.map((b) => b.brierSum),
        ],
      );
    }
    if (fields.length > 0) {
      const parts = fields.map((f) => hourKeyParts(f.hourKey));
      await tx.query(
        `INSERT INTO model_field_rollups AS r (queue_id, model_name, model_version, hour, path, edits, present, touched)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::text[], $6::int[], $7::int[],
                              $8::int[])
         ON CONFLICT (queue_id, model_name, model_version, hour, path) DO UPDATE SET
           edits = r.edits + excluded.edits, present = r.present + excluded.present,
           touched = r.touched + excluded.touched`,
        [
          parts.map((p) => p[0]),
          parts.map((p) => p[1]),
          parts.map((p) => p[2]),
          parts.map((p) => p[3]),
          fields.map((f) => f.path),
          fields.map((f) => f.edits),
          fields.map((f) => f.present),
          fields.map((f) => f.touched),
        ],
      );
    }
  }

  private async writeStates(
    tx: Sql,
    keys: Map<string, { queueId: string; name: string; version: string }>,
    states: Map<string, DriftState>,
  ): Promise<void> {
    const touched = [...keys.entries()].filter(([key]) => states.has(key));
    if (touched.length === 0) return;
    await tx.query(
      `INSERT INTO model_drift AS d (queue_id, model_name, model_version, state)
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::jsonb[])
       ON CONFLICT (queue_id, model_name, model_version) DO UPDATE SET state = excluded.state, updated_at = now()`,
      [
        touched.map(([, v]) => v.queueId),
        touched.map(([, v]) => v.name),
        touched.map(([, v]) => v.version),
        touched.map(([key]) => JSON.stringify(states.get(key))),
      ],
    );
  }

  /** Opens the alert with its audit event and, when the queue has an alertUrl, its webhook in the outbox. */
  private async openAlert(
    tx: Sql,
    version: { queueId: string; name: string; version: string },
    state: DriftState,
    queue: QueueRow,
  ): Promise<AlertView> {
    const observedRate = state.runDecisions > 0 ? state.runOverrides / state.runDecisions : 0;
    const [row] = await tx.query<AlertRow>(
      `WITH a AS (
         INSERT INTO model_alerts (queue_id, model_name, model_version, baseline_rate, observed_rate,
                                   decisions_since_change, statistic, threshold)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *
       )
       SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM.replace('model_alerts a', 'a')}`,
      [
        version.queueId,
        version.name,
        version.version,
        state.p0,
        observedRate,
        state.runDecisions,
        state.statistic,
        state.h,
      ],
    );
    const alert = toAlertView(row!);
    await appendAuditEvent(tx, {
      actor: SYSTEM_ACTOR,
      action: 'model.drift_detected',
      subjectType: 'alert',
      subjectId: alert.id,
      queueId: version.queueId,
      data: {
        model: alert.model,
        baselineRate: alert.baselineRate,
        observedRate: alert.observedRate,
        decisionsSinceChange: alert.decisionsSinceChange,
        statistic: alert.statistic,
        threshold: alert.threshold,
      },
    });
    if (queue.alert_url) {
      await insertAlertDelivery(tx, {
        alertId: alert.id,
        queueId: version.queueId,
        url: queue.alert_url,
        body: alertWebhookBody(alert),
      });
    }
    return alert;
  }
}

function columnsOf(versions: { queueId: string; name: string; version: string }[]): string[][] {
  return [versions.map((v) => v.queueId), versions.map((v) => v.name), versions.map((v) => v.version)];
}
