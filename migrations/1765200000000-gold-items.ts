import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Gold items. An admin's `gold_templates` row holds an output with its known correct decision; reviewers
 * get *instances* of it: ordinary `items` rows marked by `gold_template_id`, a column no reviewer-facing read
 * returns. `claim_gold` makes and claims an instance in the transaction of the claim, dressed like the real
 * item the reviewer would have got next (its service, priority and callback URL, a look-alike externalId, a
 * creation time just before it), so nothing tells the two apart. `gold_handouts` records which templates each
 * reviewer was handed, so a reviewer sees every template before any comes back. Gold items are never
 * delivered (the outbox trigger skips them) and their externalIds never collide with a service's.
 */
export class GoldItems1765200000000 implements MigrationInterface {
  name = 'GoldItems1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE queues ADD COLUMN gold_rate double precision NOT NULL DEFAULT 0
        CHECK (gold_rate >= 0 AND gold_rate <= 0.2)`,
    );
    await q.query(`
      CREATE TABLE gold_templates (
        id uuid PRIMARY KEY,
        queue_id uuid NOT NULL REFERENCES queues (id),
        model_name text NOT NULL,
        model_version text NOT NULL,
        input jsonb NOT NULL,
        output jsonb NOT NULL,
        confidence double precision CHECK (confidence BETWEEN 0 AND 1),
        reason text CHECK (reason IN ('low_confidence', 'model_error', 'policy', 'other')),
        metadata jsonb NOT NULL DEFAULT '{}',
        expected_verdict text NOT NULL CHECK (expected_verdict IN ('approve', 'correct', 'reject')),
        expected_output jsonb,
        created_by uuid REFERENCES users (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((expected_verdict = 'correct') = (expected_output IS NOT NULL))
      )`);
    await q.query(`CREATE INDEX gold_templates_queue ON gold_templates (queue_id)`);
    await q.query(`ALTER TABLE items ADD COLUMN gold_template_id uuid REFERENCES gold_templates (id)`);
    await q.query(`CREATE INDEX items_gold ON items (gold_template_id) WHERE gold_template_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE gold_handouts (
        reviewer_id uuid NOT NULL REFERENCES users (id),
        template_id uuid NOT NULL REFERENCES gold_templates (id),
        item_id uuid NOT NULL REFERENCES items (id),
        handed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (reviewer_id, template_id, item_id)
      )`);
    // A gold item borrows a look-alike of a service's externalId; the service's own ids stay unique.
    await q.query(
      `CREATE UNIQUE INDEX items_external_id_key_real ON items (queue_id, service, external_id)
        WHERE gold_template_id IS NULL`,
    );
    await q.query(`DROP INDEX items_external_id_key`);
    await q.query(`ALTER INDEX items_external_id_key_real RENAME TO items_external_id_key`);

    await q.query(enqueueDeliverySql(true));
    await q.query(UUID_V7_AT);
    await q.query(LOOKALIKE_ID);
    await q.query(CLAIM_ITEM_WITH_GOLD);
    await q.query(CLAIM_GOLD);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION claim_gold(uuid, uuid, text, text, double precision, integer)`);
    await q.query(CLAIM_ITEM);
    await q.query(`DROP FUNCTION lookalike_id(text)`);
    await q.query(`DROP FUNCTION uuid_v7_at(timestamptz)`);
    await q.query(enqueueDeliverySql(false));
    // Gold items go with their templates; what referred to them first.
    const gold = `SELECT id FROM items WHERE gold_template_id IS NOT NULL`;
    await q.query(`DELETE FROM gold_handouts`);
    await q.query(`UPDATE items SET first_review_id = NULL WHERE id IN (${gold})`);
    await q.query(`DELETE FROM decisions WHERE item_id IN (${gold})`);
    await q.query(`DELETE FROM claims WHERE item_id IN (${gold})`);
    await q.query(`DELETE FROM items WHERE gold_template_id IS NOT NULL`);
    await q.query(`DROP TABLE gold_handouts`);
    await q.query(`CREATE UNIQUE INDEX items_external_id_key_all ON items (queue_id, service, external_id)`);
    await q.query(`DROP INDEX items_external_id_key`);
    await q.query(`ALTER INDEX items_external_id_key_all RENAME TO items_external_id_key`);
    await q.query(`ALTER TABLE items DROP COLUMN gold_template_id`);
    await q.query(`DROP TABLE gold_templates`);
    await q.query(`ALTER TABLE queues DROP COLUMN gold_rate`);
  }
}

const TERMINAL = `('approved', 'corrected', 'rejected', 'auto_approved', 'fallback')`;

/**
 * The outbox trigger's function as migration 1764700000000 made it; with `skipGold` a gold item, whose decision
 * is scored and never sent anywhere, gets no delivery.
 */
function enqueueDeliverySql(skipGold: boolean): string {
  return `      CREATE OR REPLACE FUNCTION items_enqueue_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        v_item items;
        v_url text;
        v_id uuid := gen_random_uuid();
      BEGIN
        SELECT * INTO v_item FROM items WHERE id = NEW.id;
        IF NOT FOUND OR v_item.status NOT IN ${TERMINAL}${skipGold ? ' OR v_item.gold_template_id IS NOT NULL' : ''} THEN
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
}

/**
 * As migration 1765000000000 wrote it: a reviewer may not take an item whose first review is theirs, nor
 * adjudicate an item they reviewed in the queue it came from.
 */
const NOT_FIRST_REVIEWER = `(first_review_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM decisions fr WHERE fr.id = first_review_id AND fr.reviewer_id = p_reviewer))
             AND (escalated_from_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM decisions pr WHERE pr.item_id = items.id AND pr.reviewer_id = p_reviewer
             AND pr.queue_id <> items.queue_id))`;

/** claim_item as migration 1765000000000 made it. */
const CLAIM_ITEM = `
      CREATE OR REPLACE FUNCTION claim_item(
        p_queue uuid, p_item uuid, p_reviewer uuid, p_email text, p_token text, p_lease double precision,
        p_max_live integer
      ) RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        v_item uuid := p_item;
        v_row items;
        v_claim claims;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('claims:' || p_reviewer::text));
        IF (SELECT count(*) FROM claims WHERE reviewer_id = p_reviewer AND status = 'live') >= p_max_live THEN
          RAISE EXCEPTION 'claim limit reached' USING ERRCODE = 'P0001', HINT = 'arbiter:claim_limit';
        END IF;
        IF v_item IS NULL THEN
          SELECT id INTO v_item FROM items WHERE queue_id = p_queue AND status = 'pending'
             AND ${NOT_FIRST_REVIEWER}
           ORDER BY priority DESC, created_at LIMIT 1 FOR UPDATE SKIP LOCKED;
        END IF;
        UPDATE items SET status = 'claimed', version = version + 1, updated_at = now()
         WHERE id = v_item AND queue_id = p_queue AND status = 'pending' AND ${NOT_FIRST_REVIEWER}
        RETURNING * INTO v_row;
        IF NOT FOUND THEN
          IF EXISTS (SELECT 1 FROM items WHERE id = v_item AND queue_id = p_queue AND status = 'pending') THEN
            RETURN jsonb_build_object('skip', true);
          END IF;
          RETURN NULL;
        END IF;
        INSERT INTO claims (token, item_id, queue_id, reviewer_id, expires_at)
        VALUES (p_token, v_item, p_queue, p_reviewer, now() + make_interval(secs => p_lease))
        RETURNING * INTO v_claim;
        INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
        VALUES ('user', p_reviewer::text, p_email, 'item.claimed', 'item', v_item::text, p_queue,
                jsonb_build_object('claimId', v_claim.id, 'expiresAt', v_claim.expires_at));
        RETURN jsonb_build_object('claim', to_jsonb(v_claim), 'item', to_jsonb(v_row));
      END $$`;

/** A time-ordered UUID (RFC 9562 v7) for a given time, like the ids ingest gives items. */
const UUID_V7_AT = `
      CREATE FUNCTION uuid_v7_at(p_at timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS $$
        SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
                 PLACING substring(int8send(floor(extract(epoch FROM p_at) * 1000)::bigint) FROM 3) FROM 1 FOR 6),
                 52, 1), 53, 1), 'hex')::uuid
      $$`;

/**
 * An identifier shaped like `p_like` with fresh digits: hex runs of six or more (with a digit) become random
 * hex of the same case, other digits random digits, everything else is kept; a UUID keeps its version and
 * variant characters. `ticket-48213` gives `ticket-90571`, `ext-3fa9c01b22de` gives `ext-8e01b7c94d2a`.
 */
const LOOKALIKE_ID = `
      CREATE FUNCTION lookalike_id(p_like text) RETURNS text LANGUAGE sql VOLATILE AS $$
        SELECT CASE WHEN p_like ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                    THEN overlay(overlay(r PLACING substr(p_like, 15, 1) FROM 15) PLACING substr(p_like, 20, 1) FROM 20)
                    ELSE r END
          FROM (
            SELECT coalesce(string_agg(
                     CASE WHEN length(tok) >= 6 AND tok ~ '^[0-9a-f]+$' AND tok ~ '[0-9]' THEN
                            (SELECT string_agg(substr('0123456789abcdef', 1 + floor(random() * 16)::int, 1), '')
                               FROM generate_series(1, length(tok)))
                          WHEN length(tok) >= 6 AND tok ~ '^[0-9A-F]+$' AND tok ~ '[0-9]' THEN
                            (SELECT string_agg(substr('0123456789ABCDEF', 1 + floor(random() * 16)::int, 1), '')
                               FROM generate_series(1, length(tok)))
                          ELSE (SELECT string_agg(CASE WHEN c ~ '[0-9]' THEN floor(random() * 10)::int::text ELSE c END,
                                                  '' ORDER BY m)
                                  FROM regexp_split_to_table(tok, '') WITH ORDINALITY AS u(c, m))
                     END, '' ORDER BY n), '') AS r
              FROM regexp_split_to_table(p_like, '(?<=[0-9a-fA-F])(?![0-9a-fA-F])|(?<![0-9a-fA-F])(?=[0-9a-fA-F])')
                   WITH ORDINALITY AS t(tok, n)
          ) x
      $$`;

/** A reviewer handed a template through one instance is not handed another instance of it by the line. */
const NOT_HANDED_BEFORE = `(gold_template_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM gold_handouts h WHERE h.reviewer_id = p_reviewer AND h.template_id = items.gold_template_id
             AND h.item_id <> items.id))`;

/** Records that the reviewer was handed a gold item (a no-op statement for a real one). */
const RECORD_HANDOUT = `
        IF v_row.gold_template_id IS NOT NULL THEN
          INSERT INTO gold_handouts (reviewer_id, template_id, item_id)
          VALUES (p_reviewer, v_row.gold_template_id, v_row.id)
          ON CONFLICT (reviewer_id, template_id, item_id) DO UPDATE SET handed_at = now();
        END IF;`;

/**
 * claim_item as migration 1765000000000 made it, and a gold item left in line (released, expired, awaiting
 * its second review) is skipped by a reviewer already handed its template through another instance; the
 * hand-out of a gold item is recorded.
 */
const CLAIM_ITEM_WITH_GOLD = [
  [
    `\n             AND ${NOT_FIRST_REVIEWER}`,
    `\n             AND ${NOT_FIRST_REVIEWER}\n             AND ${NOT_HANDED_BEFORE}`,
  ],
  [
    ` AND ${NOT_FIRST_REVIEWER}\n        RETURNING`,
    ` AND ${NOT_FIRST_REVIEWER}\n           AND ${NOT_HANDED_BEFORE}\n        RETURNING`,
  ],
  [
    `        RETURN jsonb_build_object('claim'`,
    `${RECORD_HANDOUT}\n        RETURN jsonb_build_object('claim'`,
  ],
].reduce((sql, [from, to]) => {
  if (!sql.includes(from!)) throw new Error(`claim_item: "${from}" not found`);
  return sql.replace(from!, to!);
}, CLAIM_ITEM);

/**
 * Claims a gold item for the reviewer, or answers NULL (the caller claims a real item instead) when there is
 * no real item this reviewer could take (gold only stands in for real work: a queue of nothing but gold would
 * give it away) or no template. The template is one this reviewer was never handed, else the one handed
 * longest ago, never one they hold now. An instance of it already waiting in line is taken before a new one
 * is made. A new instance borrows the look of the real item next in line, and its `item.received` event
 * records, beside the truth (a system actor, the template), what reviewers are shown of it (`shownAs`).
 */
const CLAIM_GOLD = `
      CREATE FUNCTION claim_gold(
        p_queue uuid, p_reviewer uuid, p_email text, p_token text, p_lease double precision, p_max_live integer
      ) RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        v_head items;
        v_template gold_templates;
        v_item uuid;
        v_row items;
        v_claim claims;
        v_created timestamptz;
        v_seq bigint;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('claims:' || p_reviewer::text));
        IF (SELECT count(*) FROM claims WHERE reviewer_id = p_reviewer AND status = 'live') >= p_max_live THEN
          RAISE EXCEPTION 'claim limit reached' USING ERRCODE = 'P0001', HINT = 'arbiter:claim_limit';
        END IF;
        SELECT * INTO v_head FROM items WHERE queue_id = p_queue AND status = 'pending' AND gold_template_id IS NULL
           AND ${NOT_FIRST_REVIEWER}
         ORDER BY priority DESC, created_at LIMIT 1;
        IF NOT FOUND THEN
          RETURN NULL;
        END IF;
        SELECT t.* INTO v_template FROM gold_templates t
          LEFT JOIN (SELECT template_id, max(handed_at) AS last FROM gold_handouts WHERE reviewer_id = p_reviewer
                      GROUP BY template_id) h ON h.template_id = t.id
         WHERE t.queue_id = p_queue
           AND NOT EXISTS (SELECT 1 FROM claims c JOIN items g ON g.id = c.item_id
                            WHERE c.reviewer_id = p_reviewer AND c.status = 'live' AND g.gold_template_id = t.id)
         ORDER BY h.last NULLS FIRST, random() LIMIT 1;
        IF NOT FOUND THEN
          RETURN NULL;
        END IF;
        SELECT id INTO v_item FROM items
         WHERE queue_id = p_queue AND gold_template_id = v_template.id AND status = 'pending'
           AND ${NOT_FIRST_REVIEWER}
         LIMIT 1 FOR UPDATE SKIP LOCKED;
        IF v_item IS NULL THEN
          v_created := v_head.created_at - make_interval(secs => random() * 2);
          v_item := uuid_v7_at(v_created);
          SELECT seq INTO v_seq FROM audit_events
           WHERE subject_id = v_head.id::text AND action = 'item.received' ORDER BY seq LIMIT 1;
          v_seq := greatest(1, coalesce(v_seq, (SELECT max(seq) FROM audit_events)) - 1 - floor(random() * 3)::bigint);
          INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version,
                             input, output, confidence, reason, priority, metadata, callback_url, status, sla_deadline,
                             created_at, updated_at, gold_template_id)
          SELECT v_item, p_queue, v_head.service, v_head.api_key_id, lookalike_id(v_head.external_id),
                 'gold:' || v_template.id, v_template.model_name, v_template.model_version, v_template.input,
                 v_template.output, v_template.confidence, coalesce(v_template.reason, v_head.reason), v_head.priority,
                 v_template.metadata, v_head.callback_url, 'pending', v_created + make_interval(secs => q.sla_seconds),
                 v_created, v_created, v_template.id
            FROM queues q WHERE q.id = p_queue
          RETURNING * INTO v_row;
          INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
          VALUES ('system', NULL, 'arbiter', 'item.received', 'item', v_item::text, p_queue, jsonb_build_object(
                    'externalId', v_row.external_id, 'reason', v_row.reason, 'confidence', v_row.confidence,
                    'priority', v_row.priority,
                    'model', jsonb_build_object('name', v_row.model_name, 'version', v_row.model_version),
                    'gold', jsonb_build_object('templateId', v_template.id, 'shownAs', jsonb_build_object(
                      'seq', v_seq,
                      'actor', jsonb_build_object('type', 'service', 'id', v_head.api_key_id::text,
                                                  'name', v_head.service)))));
        END IF;
        UPDATE items SET status = 'claimed', version = version + 1, updated_at = now() WHERE id = v_item
        RETURNING * INTO v_row;
        INSERT INTO claims (token, item_id, queue_id, reviewer_id, expires_at)
        VALUES (p_token, v_item, p_queue, p_reviewer, now() + make_interval(secs => p_lease))
        RETURNING * INTO v_claim;
        INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
        VALUES ('user', p_reviewer::text, p_email, 'item.claimed', 'item', v_item::text, p_queue,
                jsonb_build_object('claimId', v_claim.id, 'expiresAt', v_claim.expires_at));
${RECORD_HANDOUT}
        RETURN jsonb_build_object('claim', to_jsonb(v_claim), 'item', to_jsonb(v_row));
      END $$`;
