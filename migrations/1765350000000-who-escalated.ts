import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Who escalated an item: its second review must not go to them (see migrations/functions/may_review.sql). */
export class WhoEscalated1765350000000 implements MigrationInterface {
  name = 'WhoEscalated1765350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX claims_escalated ON claims (item_id, reviewer_id) WHERE status = 'escalated'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX claims_escalated`);
  }
}
