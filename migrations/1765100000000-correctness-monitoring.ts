import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Correctness monitoring. The worker folds decisions into hourly rollups per (queue, model name, model
 * version) from a watermark over the audit log: `item.decided` and `item.auto_approved` events ordered by
 * (txid, seq) and read only below the oldest transaction still running, so every decision is folded
 * exactly once, in one transaction with the watermark, and the decision path itself is left as it was.
 * `model_drift` keeps each version's CUSUM state; `model_alerts` the alarms it raised, at most one open per
 * version. Deliveries carry drift alerts as well as decided items, so alert webhooks share the outbox.
 */
export class CorrectnessMonitoring1765100000000 implements MigrationInterface {
  name = 'CorrectnessMonitoring1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE queues
        ADD COLUMN drift_delta double precision NOT NULL DEFAULT 0.1 CHECK (drift_delta > 0 AND drift_delta < 1),
        ADD COLUMN on_drift text NOT NULL DEFAULT 'alert' CHECK (on_drift IN ('alert', 'suspend_auto_approve')),
        ADD COLUMN target_override_rate double precision NOT NULL DEFAULT 0.05
          CHECK (target_override_rate > 0 AND target_override_rate < 1),
        ADD COLUMN alert_url text,
        ADD COLUMN alert_secret text`);

    const key = `queue_id uuid NOT NULL REFERENCES queues (id), model_name text NOT NULL,
        model_version text NOT NULL, hour timestamptz NOT NULL`;
    await q.query(`
      CREATE TABLE model_rollups (
        ${key},
        approved integer NOT NULL DEFAULT 0,
        corrected integer NOT NULL DEFAULT 0,
        rejected integer NOT NULL DEFAULT 0,
        auto_approved integer NOT NULL DEFAULT 0,
        qa_sampled integer NOT NULL DEFAULT 0,
        qa_overrides integer NOT NULL DEFAULT 0,
        first_decided_at timestamptz NOT NULL,
        last_decided_at timestamptz NOT NULL,
        PRIMARY KEY (queue_id, model_name, model_version, hour)
      )`);
    // Confidence in 1,000 fine bins: equal-count reliability bins and threshold candidates are cut from them.
    await q.query(`
      CREATE TABLE model_confidence_rollups (
        ${key},
        bin smallint NOT NULL CHECK (bin BETWEEN 0 AND 999),
        count integer NOT NULL DEFAULT 0,
        accepted integer NOT NULL DEFAULT 0,
        confidence_sum double precision NOT NULL DEFAULT 0,
        brier_sum double precision NOT NULL DEFAULT 0,
        PRIMARY KEY (queue_id, model_name, model_version, hour, bin)
      )`);
    await q.query(`
      CREATE TABLE model_field_rollups (
        ${key},
        path text NOT NULL,
        edits integer NOT NULL DEFAULT 0,
        present integer NOT NULL DEFAULT 0,
        touched integer NOT NULL DEFAULT 0,
        PRIMARY KEY (queue_id, model_name, model_version, hour, path)
      )`);
    await q.query(`
      CREATE TABLE monitoring_watermark (
        id smallint PRIMARY KEY CHECK (id = 1),
        txid xid8 NOT NULL DEFAULT '0',
        seq bigint NOT NULL DEFAULT 0,
        folded integer NOT NULL DEFAULT 0,
        folded_at timestamptz
      )`);
    await q.query(`INSERT INTO monitoring_watermark (id) VALUES (1)`);
    await q.query(`
      CREATE TABLE model_drift (
        queue_id uuid NOT NULL REFERENCES queues (id),
        model_name text NOT NULL,
        model_version text NOT NULL,
        state jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (queue_id, model_name, model_version)
      )`);
    await q.query(`
      CREATE TABLE model_alerts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        queue_id uuid NOT NULL REFERENCES queues (id),
        model_name text NOT NULL,
        model_version text NOT NULL,
        kind text NOT NULL DEFAULT 'override_drift' CHECK (kind IN ('override_drift')),
        state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged')),
        opened_at timestamptz NOT NULL DEFAULT now(),
        baseline_rate double precision NOT NULL,
        observed_rate double precision NOT NULL,
        decisions_since_change integer NOT NULL,
        statistic double precision NOT NULL,
        threshold double precision NOT NULL,
        acknowledged_by uuid REFERENCES users (id),
        acknowledged_at timestamptz,
        comment text
      )`);
    await q.query(
      `CREATE UNIQUE INDEX model_alerts_one_open ON model_alerts (queue_id, model_name, model_version)
        WHERE state = 'open'`,
    );
    await q.query(`CREATE INDEX model_alerts_opened ON model_alerts (opened_at DESC)`);

    // The fold walks audit events by (txid, seq) from its watermark; the sealer's txid ranges use the same
    // index, so it replaces the txid one rather than adding to what every audit insert maintains.
    await q.query(`CREATE INDEX audit_events_txid_seq ON audit_events (txid, seq)`);
    await q.query(`DROP INDEX audit_events_txid`);

    await q.query(`ALTER TABLE deliveries ALTER COLUMN item_id DROP NOT NULL`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN api_key_id DROP NOT NULL`);
    await q.query(`ALTER TABLE deliveries ADD COLUMN alert_id uuid REFERENCES model_alerts (id)`);
    await q.query(
      `ALTER TABLE deliveries ADD CONSTRAINT deliveries_subject
        CHECK ((item_id IS NOT NULL AND api_key_id IS NOT NULL) <> (alert_id IS NOT NULL))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DELETE FROM delivery_attempts a USING deliveries d WHERE d.id = a.delivery_id AND d.alert_id IS NOT NULL`,
    );
    await q.query(`DELETE FROM deliveries WHERE alert_id IS NOT NULL`);
    await q.query(`ALTER TABLE deliveries DROP CONSTRAINT deliveries_subject`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN alert_id`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN api_key_id SET NOT NULL`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN item_id SET NOT NULL`);
    for (const table of [
      'model_alerts',
      'model_drift',
      'monitoring_watermark',
      'model_field_rollups',
      'model_confidence_rollups',
      'model_rollups',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`
      ALTER TABLE queues DROP COLUMN drift_delta, DROP COLUMN on_drift, DROP COLUMN target_override_rate,
        DROP COLUMN alert_url, DROP COLUMN alert_secret`);
  }
}
