import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Safe failure. `sla_breached_at` marks an item whose SLA deadline passed while it was still open (the
 * queue's onSlaBreach policy was applied then); the partial index keeps the worker's sweep for due items
 * cheap. `max_pending` caps a queue's backlog: beyond it, submits are refused with 429. Decisions carry
 * their queue, so a queue's recent decision rate (the other half of admission control) is one index range.
 */
export class SafeFailure1764800000000 implements MigrationInterface {
  name = 'SafeFailure1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE items ADD COLUMN sla_breached_at timestamptz`);
    await q.query(
      `CREATE INDEX items_sla_due ON items (sla_deadline)
        WHERE sla_deadline IS NOT NULL AND sla_breached_at IS NULL AND status IN ('pending', 'claimed')`,
    );
    await q.query(`ALTER TABLE queues ADD COLUMN max_pending integer CHECK (max_pending > 0)`);

    await q.query(`ALTER TABLE decisions ADD COLUMN queue_id uuid REFERENCES queues (id)`);
    await q.query(`UPDATE decisions d SET queue_id = i.queue_id FROM items i WHERE i.id = d.item_id`);
    await q.query(`ALTER TABLE decisions ALTER COLUMN queue_id SET NOT NULL`);
    await q.query(`CREATE INDEX decisions_queue_decided_at ON decisions (queue_id, decided_at)`);
    // Every path that decides (review, auto-approval, SLA fallback) gets the queue filled in the same way.
    await q.query(`
      CREATE FUNCTION decisions_fill_queue() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.queue_id IS NULL THEN
          SELECT queue_id INTO NEW.queue_id FROM items WHERE id = NEW.item_id;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER decisions_fill_queue BEFORE INSERT ON decisions
        FOR EACH ROW EXECUTE FUNCTION decisions_fill_queue()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER decisions_fill_queue ON decisions`);
    await q.query(`DROP FUNCTION decisions_fill_queue()`);
    await q.query(`ALTER TABLE decisions DROP COLUMN queue_id`);
    await q.query(`ALTER TABLE queues DROP COLUMN max_pending`);
    await q.query(`DROP INDEX items_sla_due`);
    await q.query(`ALTER TABLE items DROP COLUMN sla_breached_at`);
  }
}
