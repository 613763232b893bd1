import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Four-eyes: by default an admin may not review the queues they administer. */
export class FourEyes1764600000000 implements MigrationInterface {
  name = 'FourEyes1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE queues ADD COLUMN allow_admin_review boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE queues DROP COLUMN allow_admin_review`);
  }
}
