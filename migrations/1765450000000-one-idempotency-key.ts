import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One Idempotency-Key, one request, whichever endpoint it came to: a single submit now claims its key in
 * idempotency_records too (item_id names the item it stored), so a single submit and a batch racing with one
 * key meet on the table's primary key instead of each checking the other's table before either commits.
 */
export class OneIdempotencyKey1765450000000 implements MigrationInterface {
  name = 'OneIdempotencyKey1765450000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE idempotency_records ADD COLUMN item_id uuid`);
    await q.query(`
      INSERT INTO idempotency_records (service, key, request_hash, item_id, created_at)
      SELECT service, idempotency_key, request_hash, id, created_at FROM items WHERE idempotency_key IS NOT NULL
      ON CONFLICT DO NOTHING`);
    await q.query(
      `CREATE INDEX idempotency_records_item ON idempotency_records (item_id) WHERE item_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM idempotency_records WHERE item_id IS NOT NULL`);
    await q.query(`ALTER TABLE idempotency_records DROP COLUMN item_id`);
  }
}
