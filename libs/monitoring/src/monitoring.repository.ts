import { appendAuditEvent, type Actor } from '@arbiter/audit';
import { type AlertState, DomainError } from '@arbiter/contracts';
import { Database } from '@arbiter/database';
import { Injectable } from '@nestjs/common';
import { ALERT_COLUMNS, ALERT_FROM, type AlertRow, type AlertView, toAlertView } from './alert.js';
import { FOLD_LOCK } from './fold.repository.js';
import { type ConfidenceBin, type DriftState, resetStatistic } from './stats/index.js';

/** A time range resolved to whole hours: rollups start at `from`'s hour and end before `to`. */
export interface HourRange {
  queueId?: string;
  from?: string;
  to?: string;
}

export interface VersionKey {
  queueId: string;
  name: string;
  version: string;
}

export interface VersionTotals extends VersionKey {
  queue: string;
  approved: number;
  corrected: number;
  rejected: number;
  autoApproved: number;
  qaSampled: number;
  qaOverrides: number;
  firstSeenAt: Date | null;
  lastDecidedAt: Date | null;
}

export interface VersionDrift extends VersionKey {
  state: DriftState;
  openAlertId: string | null;
}

export interface SeriesPoint {
  start: Date;
  decisions: number;
  overrides: number;
}

export interface FieldTotals {
  path: string;
  edits: number;
  present: number;
  touched: number;
}

/** The rollup filter for `r.`: $1 queue, $2 from, $3 to. */
const RANGE = `($1::uuid IS NULL OR r.queue_id = $1)
  AND ($2::timestamptz IS NULL OR r.hour >= date_trunc('hour', $2::timestamptz))
  AND ($3::timestamptz IS NULL OR r.hour < $3::timestamptz)`;
/** One version: $4 name, $5 version. */
const VERSION = `r.model_name = $4 AND r.model_version = $5`;

const rangeParams = (range: HourRange) => [range.queueId ?? null, range.from ?? null, range.to ?? null];

const key = (queueId: string, name: string, version: string) => JSON.stringify([queueId, name, version]);

/** Reads of the monitoring rollups, detector states and alerts; acknowledgements. */
@Injectable()
export class MonitoringRepository {
  constructor(private readonly db: Database) {}

  async totals(range: HourRange, version?: { name: string; version: string }): Promise<VersionTotals[]> {
    const rows = await this.db.query<{
      queue_id: string;
      queue: string;
      model_name: string;
      model_version: string;
      approved: number;
      corrected: number;
      rejected: number;
      auto_approved: number;
      qa_sampled: number;
      qa_overrides: number;
      first_seen_at: Date;
      last_decided_at: Date;
    }>(
      `SELECT r.queue_id, q.slug AS queue, r.model_name, r.model_version,
              sum(r.approved)::int AS approved, sum(r.corrected)::int AS corrected, sum(r.rejected)::int AS rejected,
              sum(r.auto_approved)::int AS auto_approved, sum(r.qa_sampled)::int AS qa_sampled,
              sum(r.qa_overrides)::int AS qa_overrides, min(r.first_decided_at) AS first_seen_at,
              max(r.last_decided_at) AS last_decided_at
         FROM model_rollups r JOIN queues q ON q.id = r.queue_id
        WHERE ${RANGE} ${version ? `AND ${VERSION}` : ''}
        GROUP BY r.queue_id, q.slug, r.model_name, r.model_version
        ORDER BY q.slug, r.model_name, r.model_version`,
      [...rangeParams(range), ...(version ? [version.name, version.version] : [])],
    );
    return rows.map((r) => ({
      queueId: r.queue_id,
      queue: r.queue,
      name: r.model_name,
      version: r.model_version,
      approved: r.approved,
      corrected: r.corrected,
      rejected: r.rejected,
      autoApproved: r.auto_approved,
      qaSampled: r.qa_sampled,
      qaOverrides: r.qa_overrides,
      firstSeenAt: r.first_seen_at,
      lastDecidedAt: r.last_decided_at,
    }));
  }

  /** Fine confidence bins of each version in the range, by version key. */
  async confidenceBins(
    range: HourRange,
    version?: { name: string; version: string },
  ): Promise<Map<string, ConfidenceBin[]>> {
    const rows = await this.db.query<{
      queue_id: string;
      model_name: string;
      model_version: string;
      bin: number;
      count: number;
      accepted: number;
      confidence_sum: number;
      brier_sum: number;
    }>(
      `SELECT r.queue_id, r.model_name, r.model_version, r.bin, sum(r.count)::int AS count,
              sum(r.accepted)::int AS accepted, sum(r.confidence_sum) AS confidence_sum,
              sum(r.brier_sum) AS brier_sum
         FROM model_confidence_rollups r
        WHERE ${RANGE} ${version ? `AND ${VERSION}` : ''}
        GROUP BY r.queue_id, r.model_name, r.model_version, r.bin`,
      [...rangeParams(range), ...(version ? [version.name, version.version] : [])],
    );
    const byVersion = new Map<string, ConfidenceBin[]>();
    for (const r of rows) {
      const k = key(r.queue_id, r.model_name, r.model_version);
      const list = byVersion.get(k) ?? [];
      list.push({
        bin: r.bin,
        count: r.count,
        accepted: r.accepted,
        confidenceSum: r.confidence_sum,
        brierSum: r.brier_sum,
      });
      byVersion.set(k, list);
    }
    return byVersion;
  }

  /** Detector state and open alert of every version (of one queue, if given), by version key. */
  async drift(queueId?: string): Promise<Map<string, VersionDrift>> {
    const rows = await this.db.query<{
      queue_id: string;
      model_name: string;
      model_version: string;
      state: DriftState;
      open_alert_id: string | null;
    }>(
      `SELECT d.queue_id, d.model_name, d.model_version, d.state, a.id AS open_alert_id
         FROM model_drift d
         LEFT JOIN model_alerts a ON a.queue_id = d.queue_id AND a.model_name = d.model_name
                                 AND a.model_version = d.model_version AND a.state = 'open'
        WHERE $1::uuid IS NULL OR d.queue_id = $1`,
      [queueId ?? null],
    );
    return new Map(
      rows.map((r) => [
        key(r.queue_id, r.model_name, r.model_version),
        {
          queueId: r.queue_id,
          name: r.model_name,
          version: r.model_version,
          state: r.state,
          openAlertId: r.open_alert_id,
        },
      ]),
    );
  }

  /** Whether any decision of this version was ever folded. */
  async versionExists(v: VersionKey): Promise<boolean> {
    const [row] = await this.db.query(
      `SELECT 1 FROM model_drift WHERE queue_id = $1 AND model_name = $2 AND model_version = $3
       UNION ALL
       SELECT 1 FROM model_rollups WHERE queue_id = $1 AND model_name = $2 AND model_version = $3
       LIMIT 1`,
      [v.queueId, v.name, v.version],
    );
    return row !== undefined;
  }

  async series(range: HourRange, v: VersionKey, bucket: 'hour' | 'day'): Promise<SeriesPoint[]> {
    const rows = await this.db.query<{ start: Date; decisions: number; overrides: number }>(
      `SELECT date_trunc('${bucket === 'day' ? 'day' : 'hour'}', r.hour AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS start,
              sum(r.approved + r.corrected + r.rejected)::int AS decisions,
              sum(r.corrected + r.rejected)::int AS overrides
         FROM model_rollups r
        WHERE ${RANGE} AND ${VERSION}
        GROUP BY 1 HAVING sum(r.approved + r.corrected + r.rejected) > 0
        ORDER BY 1`,
      [...rangeParams({ ...range, queueId: v.queueId }), v.name, v.version],
    );
    return rows;
  }

  async fields(range: HourRange, v: VersionKey, limit: number): Promise<FieldTotals[]> {
    return this.db.query<FieldTotals>(
      `SELECT r.path, sum(r.edits)::int AS edits, sum(r.present)::int AS present, sum(r.touched)::int AS touched
         FROM model_field_rollups r
        WHERE ${RANGE} AND ${VERSION}
        GROUP BY r.path
        ORDER BY sum(r.edits) DESC, sum(r.touched) DESC, r.path
        LIMIT ${Number(limit)}`,
      [...rangeParams({ ...range, queueId: v.queueId }), v.name, v.version],
    );
  }

  async alerts(filter: { state?: AlertState; queueId?: string }): Promise<AlertView[]> {
    const rows = await this.db.query<AlertRow>(
      `SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM}
        WHERE ($1::text IS NULL OR a.state = $1) AND ($2::uuid IS NULL OR a.queue_id = $2)
        ORDER BY a.opened_at DESC, a.id
        LIMIT 1000`,
      [filter.state ?? null, filter.queueId ?? null],
    );
    return rows.map(toAlertView);
  }

  /**
   * Acknowledges an open alert and resets its version's detector, with the audit event, in one transaction.
   * The fold's lock keeps a fold in flight from writing back the detector state it read before the reset.
   */
  async acknowledge(id: string, actor: Actor, comment: string): Promise<AlertView> {
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(${FOLD_LOCK})`);
      const [alert] = await tx.query<{
        state: AlertState;
        queue_id: string;
        model_name: string;
        model_version: string;
      }>(`SELECT state, queue_id, model_name, model_version FROM model_alerts WHERE id = $1 FOR UPDATE`, [
        id,
      ]);
      if (!alert) throw DomainError.notFound('Alert');
      if (alert.state !== 'open') throw new DomainError('CONFLICT', 'This alert is already acknowledged');
      await tx.query(
        `UPDATE model_alerts SET state = 'acknowledged', acknowledged_by = $2, acknowledged_at = now(), comment = $3
          WHERE id = $1`,
        [id, actor.id, comment],
      );
      const [drift] = await tx.query<{ state: DriftState }>(
        `SELECT state FROM model_drift WHERE queue_id = $1 AND model_name = $2 AND model_version = $3 FOR UPDATE`,
        [alert.queue_id, alert.model_name, alert.model_version],
      );
      if (drift) {
        await tx.query(
          `UPDATE model_drift SET state = $4, updated_at = now()
            WHERE queue_id = $1 AND model_name = $2 AND model_version = $3`,
          [
            alert.queue_id,
            alert.model_name,
            alert.model_version,
            JSON.stringify(resetStatistic(drift.state)),
          ],
        );
      }
      await appendAuditEvent(tx, {
        actor,
        action: 'model.alert_acknowledged',
        subjectType: 'alert',
        subjectId: id,
        queueId: alert.queue_id,
        data: { model: { name: alert.model_name, version: alert.model_version }, comment },
      });
      const [row] = await tx.query<AlertRow>(`SELECT ${ALERT_COLUMNS} FROM ${ALERT_FROM} WHERE a.id = $1`, [
        id,
      ]);
      return toAlertView(row!);
    });
  }
}
