import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './roles.js';

/**
 * The tamper-evident audit log.
 * audit_chain seals events in the order the sealer sees them commit: each link is
 * sha256(prev_hash || canonical JSON of the event), so editing, removing or reordering a sealed event
 * breaks every later link. Sealing runs in the worker a moment after the event commits, so writers never
 * wait on the chain; `txid` (the inserting transaction) lets the sealer look only at transactions that
 * were still open at its previous pass.
 * arbiter_app: the application's role. It reads and writes the domain tables, but only appends to the
 * audit tables; the triggers refuse changes to them from anyone, superusers included unless they disable
 * the triggers.
 */
export class AuditChain1764500000000 implements MigrationInterface {
  name = 'AuditChain1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_events ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()`);
    await q.query(`CREATE INDEX audit_events_txid ON audit_events (txid)`);
    await q.query(`
      CREATE TABLE audit_chain (
        pos bigint PRIMARY KEY CHECK (pos > 0),
        seq bigint NOT NULL UNIQUE,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        horizon xid8 NOT NULL,
        sealed_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_chain_no_change BEFORE UPDATE OR DELETE ON audit_chain
        FOR EACH ROW EXECUTE FUNCTION append_only()`);
    await q.query(`
      CREATE TRIGGER audit_chain_no_truncate BEFORE TRUNCATE ON audit_chain
        FOR EACH STATEMENT EXECUTE FUNCTION append_only()`);

    // Roles belong to the whole cluster: another database on it may have created this one already.
    await q.query(`
      DO $$ BEGIN
        CREATE ROLE ${APP_ROLE} NOLOGIN;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
    await q.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE}`);
    await q.query(`REVOKE ALL ON migrations FROM ${APP_ROLE}`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_events, audit_chain FROM ${APP_ROLE}`);
    await q.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE}`);
    // Tables later migrations create are the application's too; audit tables among them must revoke.
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}`,
    );
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ${APP_ROLE}`,
    );
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM ${APP_ROLE}`,
    );
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_ROLE}`);
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${APP_ROLE}`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM ${APP_ROLE}`);
    await q.query(`DROP TABLE audit_chain`);
    await q.query(`DROP FUNCTION append_only()`);
    await q.query(`DROP INDEX audit_events_txid`);
    await q.query(`ALTER TABLE audit_events DROP COLUMN txid`);
  }
}
