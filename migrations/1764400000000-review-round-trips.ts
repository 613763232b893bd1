import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer round trips per review action.
 * claim_item returns the claimed item beside the claim, so claim:next needs no second read.
 * decide_claim checks the reviewer's queues under the claim's lock and takes an approval's output from the
 * item itself, so approve and reject are one call; only a correction reads the item first (to diff it and
 * check it against the queue schema).
 */
export class ReviewRoundTrips1764400000000 implements MigrationInterface {
  name = 'ReviewRoundTrips1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION claim_item(uuid, uuid, uuid, text, text, double precision, integer)`);
    await q.query(`
      CREATE FUNCTION claim_item(
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
           ORDER BY priority DESC, created_at LIMIT 1 FOR UPDATE SKIP LOCKED;
        END IF;
        UPDATE items SET status = 'claimed', version = version + 1, updated_at = now()
         WHERE id = v_item AND queue_id = p_queue AND status = 'pending'
        RETURNING * INTO v_row;
        IF NOT FOUND THEN
          RETURN NULL;
        END IF;
        INSERT INTO claims (token, item_id, queue_id, reviewer_id, expires_at)
        VALUES (p_token, v_item, p_queue, p_reviewer, now() + make_interval(secs => p_lease))
        RETURNING * INTO v_claim;
        INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
        VALUES ('user', p_reviewer::text, p_email, 'item.claimed', 'item', v_item::text, p_queue,
                jsonb_build_object('claimId', v_claim.id, 'expiresAt', v_claim.expires_at));
        RETURN jsonb_build_object('claim', to_jsonb(v_claim), 'item', to_jsonb(v_row));
      END $$`);

    await q.query(`DROP FUNCTION decide_claim(text, uuid, text, text, text, jsonb, jsonb, text, text)`);
    await q.query(DECIDE_CLAIM);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION decide_claim(text, uuid, text, uuid[], text, text, jsonb, jsonb, text, text)`,
    );
    await q.query(`DROP FUNCTION claim_item(uuid, uuid, uuid, text, text, double precision, integer)`);
    // Back to the versions of migration 1764300000000.
    await q.query(`
      CREATE FUNCTION claim_item(
        p_queue uuid, p_item uuid, p_reviewer uuid, p_email text, p_token text, p_lease double precision,
        p_max_live integer
      ) RETURNS SETOF claims LANGUAGE plpgsql AS $$
      DECLARE
        v_item uuid := p_item;
        v_claim claims;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('claims:' || p_reviewer::text));
        IF (SELECT count(*) FROM claims WHERE reviewer_id = p_reviewer AND status = 'live') >= p_max_live THEN
          RAISE EXCEPTION 'claim limit reached' USING ERRCODE = 'P0001', HINT = 'arbiter:claim_limit';
        END IF;
        IF v_item IS NULL THEN
          SELECT id INTO v_item FROM items WHERE queue_id = p_queue AND status = 'pending'
           ORDER BY priority DESC, created_at LIMIT 1 FOR UPDATE SKIP LOCKED;
        END IF;
        UPDATE items SET status = 'claimed', version = version + 1, updated_at = now()
         WHERE id = v_item AND queue_id = p_queue AND status = 'pending';
        IF NOT FOUND THEN
          RETURN;
        END IF;
        INSERT INTO claims (token, item_id, queue_id, reviewer_id, expires_at)
        VALUES (p_token, v_item, p_queue, p_reviewer, now() + make_interval(secs => p_lease))
        RETURNING * INTO v_claim;
        INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
        VALUES ('user', p_reviewer::text, p_email, 'item.claimed', 'item', v_item::text, p_queue,
                jsonb_build_object('claimId', v_claim.id, 'expiresAt', v_claim.expires_at));
        RETURN NEXT v_claim;
      END $$`);
    await q.query(`
      CREATE FUNCTION decide_claim(
        p_token text, p_reviewer uuid, p_email text, p_hash text, p_verdict text, p_output jsonb,
        p_patch jsonb, p_comment text, p_status text
      ) RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        c claims;
        d decisions;
      BEGIN
        SELECT * INTO c FROM claims WHERE token = p_token FOR UPDATE;
        IF NOT FOUND OR c.reviewer_id <> p_reviewer THEN
          RAISE EXCEPTION 'claim not held' USING HINT = 'arbiter:not_holder';
        END IF;
        IF c.status = 'decided' THEN
          SELECT * INTO d FROM decisions WHERE claim_id = c.id;
          IF d.request_hash = p_hash THEN
            RETURN jsonb_build_object('replayed', true, 'decision', to_jsonb(d));
          END IF;
          RAISE EXCEPTION 'already decided' USING HINT = 'arbiter:already_decided';
        END IF;
        IF c.status <> 'live' OR c.expires_at <= now() THEN
          RAISE EXCEPTION 'claim not live' USING HINT = 'arbiter:claim_expired';
        END IF;
        PERFORM 1 FROM items WHERE id = c.item_id FOR UPDATE;
        INSERT INTO decisions (item_id, verdict, output, patch, reviewer_id, comment, duration_ms, claim_id, request_hash)
        VALUES (c.item_id, p_verdict, p_output, p_patch, p_reviewer, p_comment,
                (extract(epoch FROM now() - c.claimed_at) * 1000)::int, c.id, p_hash)
        RETURNING * INTO d;
        UPDATE items SET status = p_status, version = version + 1, updated_at = now() WHERE id = c.item_id;
        UPDATE claims SET status = 'decided', ended_at = now() WHERE id = c.id;
        INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
        VALUES ('user', p_reviewer::text, p_email, 'item.decided', 'item', c.item_id::text, c.queue_id,
                jsonb_build_object('decisionId', d.id, 'claimId', c.id, 'verdict', p_verdict, 'patch', p_patch,
                                   'comment', p_comment));
        RETURN jsonb_build_object('replayed', false, 'decision', to_jsonb(d));
      END $$`);
  }
}

/** decide_claim as this migration made it. */
const DECIDE_CLAIM = `
      CREATE OR REPLACE FUNCTION decide_claim(
        p_token text, p_reviewer uuid, p_email text, p_queues uuid[], p_hash text, p_verdict text,
        p_output jsonb, p_patch jsonb, p_comment text, p_status text
      ) RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        c claims;
        d decisions;
        v_ai_output jsonb;
      BEGIN
        SELECT * INTO c FROM claims WHERE token = p_token FOR UPDATE;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'no such claim' USING HINT = 'arbiter:no_claim';
        END IF;
        IF NOT c.queue_id = ANY (p_queues) THEN
          RAISE EXCEPTION 'queue not reviewed by this reviewer' USING HINT = 'arbiter:forbidden';
        END IF;
        IF c.reviewer_id <> p_reviewer THEN
          RAISE EXCEPTION 'claim not held' USING HINT = 'arbiter:not_holder';
        END IF;
        IF c.status = 'decided' THEN
          SELECT * INTO d FROM decisions WHERE claim_id = c.id;
          IF d.request_hash = p_hash THEN
            RETURN jsonb_build_object('replayed', true, 'decision', to_jsonb(d), 'queueId', c.queue_id);
          END IF;
          RAISE EXCEPTION 'already decided' USING HINT = 'arbiter:already_decided';
        END IF;
        IF c.status <> 'live' OR c.expires_at <= now() THEN
          RAISE EXCEPTION 'claim not live' USING HINT = 'arbiter:claim_expired';
        END IF;
        SELECT output INTO v_ai_output FROM items WHERE id = c.item_id FOR UPDATE;
        INSERT INTO decisions (item_id, verdict, output, patch, reviewer_id, comment, duration_ms, claim_id,
                               request_hash)
        VALUES (c.item_id, p_verdict, CASE WHEN p_verdict = 'approve' THEN v_ai_output ELSE p_output END, p_patch,
                p_reviewer, p_comment, (extract(epoch FROM now() - c.claimed_at) * 1000)::int, c.id, p_hash)
        RETURNING * INTO d;
        UPDATE items SET status = p_status, version = version + 1, updated_at = now() WHERE id = c.item_id;
        UPDATE claims SET status = 'decided', ended_at = now() WHERE id = c.id;
        INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
        VALUES ('user', p_reviewer::text, p_email, 'item.decided', 'item', c.item_id::text, c.queue_id,
                jsonb_build_object('decisionId', d.id, 'claimId', c.id, 'verdict', p_verdict, 'patch', p_patch,
                                   'comment', p_comment));
        RETURN jsonb_build_object('replayed', false, 'decision', to_jsonb(d), 'queueId', c.queue_id);
      END $$`;
