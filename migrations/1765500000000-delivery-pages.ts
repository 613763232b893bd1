import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `GET /api/v1/deliveries` pages newest first by (created_at, id): one index per way of filtering (none, by
 * status, by queue) holds that order, so a page costs its own size however deep it is.
 */
export class DeliveryPages1765500000000 implements MigrationInterface {
  name = 'DeliveryPages1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX deliveries_by_status`);
    await q.query(`CREATE INDEX deliveries_by_status ON deliveries (status, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX deliveries_by_queue ON deliveries (queue_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX deliveries_newest ON deliveries (created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX deliveries_newest`);
    await q.query(`DROP INDEX deliveries_by_queue`);
    await q.query(`DROP INDEX deliveries_by_status`);
    await q.query(`CREATE INDEX deliveries_by_status ON deliveries (status, created_at DESC)`);
  }
}
