import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE, SEALER_ROLE } from './roles.js';

/**
 * The API and worker log in as arbiter_app instead of switching to it from a superuser's connection (a
 * connection that switched can switch back with RESET ROLE). Neither role can become another: they are
 * plain login roles, members of nothing. The audit log gets narrower still: arbiter_app inserts events
 * without choosing their sequence number, id, time or transaction, and cannot write chain links at all;
 * only arbiter_sealer, the worker's sealer, appends links (and can change neither events nor links).
 */
export class LoginRoles1765320000000 implements MigrationInterface {
  name = 'LoginRoles1765320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER ROLE ${APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS`,
    );
    // Roles belong to the whole cluster: another database on it may have created this one already.
    await q.query(`
      DO $$ BEGIN
        CREATE ROLE ${SEALER_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
      EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
      END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${SEALER_ROLE}`);
    await q.query(`GRANT SELECT ON audit_events, audit_chain TO ${SEALER_ROLE}`);
    await q.query(`GRANT INSERT ON audit_chain TO ${SEALER_ROLE}`);
    await q.query(`REVOKE INSERT ON audit_chain FROM ${APP_ROLE}`);
    await q.query(`REVOKE INSERT ON audit_events FROM ${APP_ROLE}`);
    // The API and worker check at start that the schema is up to date; they read the list, never write it.
    await q.query(`GRANT SELECT ON migrations TO ${APP_ROLE}`);
    await q.query(
      `GRANT INSERT (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
          ON audit_events TO ${APP_ROLE}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `REVOKE INSERT (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
           ON audit_events FROM ${APP_ROLE}`,
    );
    await q.query(`REVOKE SELECT ON migrations FROM ${APP_ROLE}`);
    await q.query(`GRANT INSERT ON audit_events, audit_chain TO ${APP_ROLE}`);
    await q.query(`REVOKE ALL ON audit_events, audit_chain FROM ${SEALER_ROLE}`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM ${SEALER_ROLE}`);
    await q.query(`ALTER ROLE ${APP_ROLE} NOLOGIN`);
  }
}
