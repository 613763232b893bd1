import type { MigrationInterface, QueryRunner } from 'typeorm';

const TERMINAL = `('approved', 'corrected', 'rejected', 'auto_approved', 'fallback')`;

/**
 * Webhook deliveries, an outbox in Postgres: the worker sends what is due here and Redis only times it.
 * A deferred trigger on items writes the delivery when an item reaches a terminal status, whoever changed
 * it (ingest, decide_claim, the SLA policy), in the same transaction. Deferred to commit, it sees the
 * decision whichever order the writer stored it in.
 * `generation` fences the jobs of one delivery: a job carries the generation it was made for, starting an
 * attempt moves it on, so a stale or duplicated job finds nothing to do.
 */
export class Deliveries1764700000000 implements MigrationInterface {
  name = 'Deliveries1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        webhook_id text NOT NULL UNIQUE,
        item_id uuid NOT NULL REFERENCES items (id),
        queue_id uuid NOT NULL REFERENCES queues (id),
        api_key_id uuid NOT NULL REFERENCES api_keys (id),
        decision_id uuid REFERENCES decisions (id),
        url text NOT NULL,
        status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
        body text,
        round_attempts integer NOT NULL DEFAULT 0,
        generation integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        leased_at timestamptz,
        lease_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX deliveries_one_per_item ON deliveries (item_id)`);
    await q.query(`CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'pending'`);
    await q.query(`CREATE INDEX deliveries_by_status ON deliveries (status, created_at DESC)`);
    await q.query(`
      CREATE TABLE delivery_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES deliveries (id),
        at timestamptz NOT NULL,
        status_code integer,
        error text,
        duration_ms integer
      )`);
    await q.query(`CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id)`);

    await q.query(ENQUEUE_DELIVERY);
    await q.query(`
      CREATE CONSTRAINT TRIGGER items_delivery AFTER INSERT OR UPDATE OF status ON items
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
        WHEN (NEW.status IN ${TERMINAL})
        EXECUTE FUNCTION items_enqueue_delivery()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER items_delivery ON items`);
    await q.query(`DROP FUNCTION items_enqueue_delivery()`);
    await q.query(`DROP TABLE delivery_attempts`);
    await q.query(`DROP TABLE deliveries`);
  }
}

/** The outbox trigger's function. */
const ENQUEUE_DELIVERY = `      CREATE OR REPLACE FUNCTION items_enqueue_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_item items;
        v_url text;
        v_id uuid := gen_random_uuid();
      BEGIN
        SELECT * INTO v_item FROM items WHERE id = NEW.id;
        IF NOT FOUND OR v_item.status NOT IN ${TERMINAL} THEN
          RETURN NULL;
        END IF;
        SELECT coalesce(nullif(v_item.callback_url, ''), nullif(q.callback_url, '')) INTO v_url
          FROM queues q WHERE q.id = v_item.queue_id;
        IF v_url IS NULL THEN
          RETURN NULL;
        END IF;
        INSERT INTO deliveries (id, webhook_id, item_id, queue_id, api_key_id, decision_id, url)
        VALUES (v_id, 'msg_' || replace(v_id::text, '-', ''), v_item.id, v_item.queue_id, v_item.api_key_id,
                (SELECT d.id FROM decisions d WHERE d.item_id = v_item.id
                  ORDER BY d.decided_at DESC, d.id DESC LIMIT 1),
                v_url)
        ON CONFLICT (item_id) DO NOTHING;
        RETURN NULL;
      END $$`;
