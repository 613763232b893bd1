import type { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1764100000000 implements MigrationInterface {
  name = 'InitialSchema1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE queues (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
        name text NOT NULL,
        instructions text NOT NULL DEFAULT '',
        output_schema jsonb,
        auto_approve_above double precision CHECK (auto_approve_above BETWEEN 0 AND 1),
        lease_seconds integer NOT NULL DEFAULT 300 CHECK (lease_seconds > 0),
        sla_seconds integer CHECK (sla_seconds > 0),
        on_sla_breach text NOT NULL DEFAULT 'keep' CHECK (on_sla_breach IN ('keep', 'escalate', 'fallback')),
        fallback_output jsonb,
        escalate_to_id uuid REFERENCES queues (id),
        reviews_required integer NOT NULL DEFAULT 1 CHECK (reviews_required BETWEEN 1 AND 2),
        qa_sample_rate double precision NOT NULL DEFAULT 0 CHECK (qa_sample_rate BETWEEN 0 AND 1),
        callback_url text,
        paused boolean NOT NULL DEFAULT false,
        version integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        password_hash text NOT NULL,
        roles text[] NOT NULL CHECK (roles <@ ARRAY['admin', 'reviewer', 'auditor']::text[]),
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);
    await q.query(`
      CREATE TABLE queue_members (
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        queue_id uuid NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
        PRIMARY KEY (user_id, queue_id)
      )`);

    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        service text NOT NULL,
        key_prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        webhook_secret text NOT NULL,
        created_by uuid REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE api_key_queues (
        api_key_id uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
        queue_id uuid NOT NULL REFERENCES queues (id) ON DELETE CASCADE,
        PRIMARY KEY (api_key_id, queue_id)
      )`);

    await q.query(`
      CREATE TABLE items (
        id uuid PRIMARY KEY,
        queue_id uuid NOT NULL REFERENCES queues (id),
        service text NOT NULL,
        api_key_id uuid NOT NULL REFERENCES api_keys (id),
        external_id text NOT NULL,
        idempotency_key text,
        request_hash text NOT NULL,
        model_name text NOT NULL,
        model_version text NOT NULL,
        input jsonb NOT NULL,
        output jsonb,
        confidence double precision CHECK (confidence BETWEEN 0 AND 1),
        reason text NOT NULL CHECK (reason IN ('low_confidence', 'model_error', 'policy', 'other')),
        priority smallint NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 100),
        metadata jsonb NOT NULL DEFAULT '{}',
        callback_url text,
        status text NOT NULL CHECK (status IN
          ('pending', 'claimed', 'approved', 'corrected', 'rejected', 'auto_approved', 'fallback', 'escalated')),
        version integer NOT NULL DEFAULT 1,
        sla_deadline timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX items_external_id_key ON items (queue_id, service, external_id)`);
    await q.query(
      `CREATE UNIQUE INDEX items_idempotency_key ON items (service, idempotency_key) WHERE idempotency_key IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX items_pending ON items (queue_id, priority DESC, created_at) WHERE status = 'pending'`,
    );

    await q.query(`
      CREATE TABLE decisions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        item_id uuid NOT NULL REFERENCES items (id),
        verdict text NOT NULL CHECK (verdict IN ('approve', 'correct', 'reject', 'fallback', 'auto_approve')),
        output jsonb,
        patch jsonb,
        reviewer_id uuid REFERENCES users (id),
        comment text,
        decided_at timestamptz NOT NULL DEFAULT now(),
        duration_ms integer
      )`);
    await q.query(`CREATE INDEX decisions_item ON decisions (item_id)`);
    await q.query(`CREATE INDEX decisions_decided_at ON decisions (decided_at)`);

    await q.query(`
      CREATE TABLE idempotency_records (
        service text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        response_status integer,
        response jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (service, key)
      )`);

    await q.query(`
      CREATE TABLE audit_events (
        seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id uuid NOT NULL DEFAULT gen_random_uuid(),
        occurred_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        actor_type text NOT NULL CHECK (actor_type IN ('user', 'service', 'system')),
        actor_id text,
        actor_name text,
        action text NOT NULL,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        queue_id uuid,
        data jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_events_subject ON audit_events (subject_id, seq)`);
    await q.query(`CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at)`);
    // The audit log is append-only whoever connects: rows can be added, never changed or removed.
    await q.query(`
      CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
    await q.query(`
      CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'audit_events',
      'idempotency_records',
      'decisions',
      'items',
      'api_key_queues',
      'api_keys',
      'queue_members',
      'users',
      'queues',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table} CASCADE`);
    }
    await q.query(`DROP FUNCTION IF EXISTS audit_events_append_only()`);
  }
}
