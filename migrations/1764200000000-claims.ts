import type { MigrationInterface, QueryRunner } from 'typeorm';

export class Claims1764200000000 implements MigrationInterface {
  name = 'Claims1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE claims (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token text NOT NULL UNIQUE,
        item_id uuid NOT NULL REFERENCES items (id),
        queue_id uuid NOT NULL REFERENCES queues (id),
        reviewer_id uuid NOT NULL REFERENCES users (id),
        status text NOT NULL DEFAULT 'live'
          CHECK (status IN ('live', 'released', 'expired', 'decided', 'escalated')),
        claimed_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        ended_at timestamptz
      )`);
    // The database itself guarantees one live claim per item.
    await q.query(`CREATE UNIQUE INDEX claims_one_live_per_item ON claims (item_id) WHERE status = 'live'`);
    await q.query(`CREATE INDEX claims_live_expiry ON claims (expires_at) WHERE status = 'live'`);
    await q.query(`CREATE INDEX claims_live_by_reviewer ON claims (reviewer_id) WHERE status = 'live'`);
    await q.query(`ALTER TABLE decisions ADD COLUMN claim_id uuid REFERENCES claims (id)`);
    await q.query(`ALTER TABLE decisions ADD COLUMN request_hash text`);
    await q.query(
      `CREATE UNIQUE INDEX decisions_one_per_claim ON decisions (claim_id) WHERE claim_id IS NOT NULL`,
    );
    await q.query(`ALTER TABLE items ADD COLUMN escalated_from_id uuid REFERENCES queues (id)`);
    await q.query(
      `CREATE INDEX items_open ON items (queue_id, created_at) WHERE status IN ('pending', 'claimed')`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX items_open`);
    await q.query(`ALTER TABLE items DROP COLUMN escalated_from_id`);
    await q.query(`ALTER TABLE decisions DROP COLUMN request_hash`);
    await q.query(`ALTER TABLE decisions DROP COLUMN claim_id`);
    await q.query(`DROP TABLE claims`);
  }
}
