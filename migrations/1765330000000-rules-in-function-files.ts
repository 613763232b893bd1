import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './roles.js';

/**
 * The live SQL functions and triggers move to one file each in migrations/functions/, applied by the migration
 * runner after the migrations whenever a file's checksum differs from the one recorded in `function_files`.
 * What is dead goes: decisions_fill_queue (every writer of a decision names its queue), and
 * audit_events_append_only, the twin of append_only, which now guards both audit tables.
 */
export class RulesInFunctionFiles1765330000000 implements MigrationInterface {
  name = 'RulesInFunctionFiles1765330000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE function_files (
        name text PRIMARY KEY,
        sha256 text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Like the migrations table: the API and worker check it at start, only the runner writes it.
    await q.query(`REVOKE ALL ON function_files FROM ${APP_ROLE}`);
    await q.query(`GRANT SELECT ON function_files TO ${APP_ROLE}`);

    await q.query(`DROP TRIGGER decisions_fill_queue ON decisions`);
    await q.query(`DROP FUNCTION decisions_fill_queue()`);
    await q.query(`
      CREATE OR REPLACE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION append_only()`);
    await q.query(`
      CREATE OR REPLACE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION append_only()`);
    await q.query(`DROP FUNCTION audit_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE OR REPLACE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE OR REPLACE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
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
    // Without its record of checksums the runner applies every function file again on the way back up.
    await q.query(`DROP TABLE function_files`);
  }
}
