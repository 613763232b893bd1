import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access tokens carry the user's token version; changing the password or disabling the account moves it
 * on, so every token issued before stops working at once, on every API node.
 */
export class TokenVersions1765300000000 implements MigrationInterface {
  name = 'TokenVersions1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN token_version integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users DROP COLUMN token_version`);
  }
}
