import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An item may be assigned to one reviewer of its queue, who alone may claim it while it waits. Assigned items
 * wait in Postgres only, outside the queue's shared BullMQ line: the assignee's claim looks for them first
 * (migrations/functions/claim_item.sql), and an index holds just them so that look costs next to nothing.
 */
export class ItemAssignment1765600000000 implements MigrationInterface {
  name = 'ItemAssignment1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE items ADD COLUMN assignee_id uuid REFERENCES users (id)`);
    await q.query(
      `CREATE INDEX items_assigned ON items (assignee_id, queue_id, priority DESC, created_at)
        WHERE status = 'pending' AND assignee_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION assign_item(uuid, uuid, text, text, text)`);
    await q.query(`DROP FUNCTION unassign_stranded(uuid, uuid, text, text, text)`);
    await q.query(`DROP FUNCTION may_be_assigned(uuid, uuid)`);
    await q.query(`DROP INDEX items_assigned`);
    await q.query(`ALTER TABLE items DROP COLUMN assignee_id`);
    // The earlier code's runner applies its own versions of the files that read the column (their checksums
    // differ from the ones recorded); the records of the files that went are forgotten with them.
    await q.query(
      `DELETE FROM function_files WHERE name IN ('assign_item', 'unassign_stranded', 'may_be_assigned')`,
    );
  }
}
