import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, SEALER_ROLE } from './roles.js';

/**
 * Signed checkpoints of the audit chain's head. Without them a chain cut at its tail (the last events and
 * their links deleted) still verifies: every remaining link holds. The sealer signs {pos, seq, head, at} with
 * an Ed25519 key now and then; verification then knows how far the chain reached and with which hash.
 * Append-only like the chain: only arbiter_sealer inserts, arbiter_app reads, nobody changes a row.
 */
export class AuditCheckpoints1765400000000 implements MigrationInterface {
  name = 'AuditCheckpoints1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_checkpoints (
        pos bigint PRIMARY KEY CHECK (pos > 0),
        seq bigint NOT NULL,
        head text NOT NULL,
        at timestamptz NOT NULL,
        public_key text NOT NULL,
        signature text NOT NULL
      )`);
    await q.query(`
      CREATE TRIGGER audit_checkpoints_no_change BEFORE UPDATE OR DELETE ON audit_checkpoints
        FOR EACH ROW EXECUTE FUNCTION append_only()`);
    await q.query(`
      CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
        FOR EACH STATEMENT EXECUTE FUNCTION append_only()`);
    // The default privileges give new tables to the app role: here it only reads.
    await q.query(`REVOKE ALL ON audit_checkpoints FROM ${APP_ROLE}`);
    await q.query(`GRANT SELECT ON audit_checkpoints TO ${APP_ROLE}`);
    await q.query(`GRANT SELECT, INSERT ON audit_checkpoints TO ${SEALER_ROLE}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_checkpoints`);
  }
}
