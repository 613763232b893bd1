import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A Prometheus scrape reads Postgres, so it must cost what the number of queues and model versions costs,
 * never what the number of items or hours does. Open items are counted by queue and status from an index
 * that holds both (index-only); each version's all-time verdict counts are kept beside the hourly rollups
 * by the fold, in the same transaction; alerts are counted from an index.
 */
export class CheapScrapes1765310000000 implements MigrationInterface {
  name = 'CheapScrapes1765310000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX items_open`);
    await q.query(
      `CREATE INDEX items_open ON items (queue_id, status, created_at)
        WHERE status IN ('pending', 'claimed', 'escalated')`,
    );
    await q.query(`
      CREATE TABLE model_totals (
        queue_id uuid NOT NULL REFERENCES queues (id),
        model_name text NOT NULL,
        model_version text NOT NULL,
        approved bigint NOT NULL DEFAULT 0,
        corrected bigint NOT NULL DEFAULT 0,
        rejected bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (queue_id, model_name, model_version)
      )`);
    await q.query(`
      INSERT INTO model_totals (queue_id, model_name, model_version, approved, corrected, rejected)
      SELECT queue_id, model_name, model_version, sum(approved), sum(corrected), sum(rejected)
        FROM model_rollups GROUP BY queue_id, model_name, model_version`);
    await q.query(`CREATE INDEX model_alerts_version ON model_alerts (queue_id, model_name, model_version)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX model_alerts_version`);
    await q.query(`DROP TABLE model_totals`);
    await q.query(`DROP INDEX items_open`);
    await q.query(
      `CREATE INDEX items_open ON items (queue_id, created_at) WHERE status IN ('pending', 'claimed')`,
    );
  }
}
