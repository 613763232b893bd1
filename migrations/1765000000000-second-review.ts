import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Second review. On a queue with `reviews_required = 2` an item needs two independent decisions by different
 * reviewers. The first one is recorded as a decision like any other, and the item goes back to `pending`
 * with `first_review_id` pointing at it; its reviewer may not claim the item again, nor may either reviewer
 * adjudicate it if the two disagree. The second decision
 * ends the item if it agrees with the first (same verdict, same final output). If not, the item goes to
 * adjudication: to the queue's `escalateTo` queue as `pending`, or to `escalated` for an admin. Moving
 * an item to another queue starts a new round there (`first_review_id` back to null).
 */
export class SecondReview1765000000000 implements MigrationInterface {
  name = 'SecondReview1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE items ADD COLUMN first_review_id uuid REFERENCES decisions (id)`);
    await q.query(CLAIM_ITEM);
    await q.query(
      `DROP FUNCTION decide_claim(text, uuid, text, uuid[], text, text, jsonb, jsonb, text, text)`,
    );
    await q.query(DECIDE_CLAIM);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `DROP FUNCTION decide_claim(text, uuid, text, uuid[], text, text, jsonb, jsonb, text, text)`,
    );
    await q.query(DECIDE_CLAIM_BEFORE);
    await q.query(CLAIM_ITEM_BEFORE);
    await q.query(`ALTER TABLE items DROP COLUMN first_review_id`);
  }
}

/**
 * A reviewer may not take an item whose first review is theirs, nor adjudicate an item they reviewed in
 * the queue it came from.
 */
const NOT_FIRST_REVIEWER = `(first_review_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM decisions fr WHERE fr.id = first_review_id AND fr.reviewer_id = p_reviewer))
             AND (escalated_from_id IS NULL OR NOT EXISTS (
          SELECT 1 FROM decisions pr WHERE pr.item_id = items.id AND pr.reviewer_id = p_reviewer
             AND pr.queue_id <> items.queue_id))`;

/**
 * claim_item as before, but it skips items the reviewer gave the first review; asked for such an item by
 * id, it answers {"skip": true} so the caller puts the review job back for somebody else.
 */
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

/** claim_item as migration 1764400000000 made it, for going down. */
const CLAIM_ITEM_BEFORE = CLAIM_ITEM.replaceAll(`\n             AND ${NOT_FIRST_REVIEWER}`, '')
  .replace(` AND ${NOT_FIRST_REVIEWER}`, '')
  .replace(
    `          IF EXISTS (SELECT 1 FROM items WHERE id = v_item AND queue_id = p_queue AND status = 'pending') THEN
            RETURN jsonb_build_object('skip', true);
          END IF;\n`,
    '',
  );

/**
 * decide_claim with the second review. It answers, beside the decision, what became of the item:
 * `itemStatus` (terminal, `pending` awaiting the second review or in the adjudication queue, or
 * `escalated`), `movedTo` (the adjudication queue) and `priority` (to put the item back in line).
 */
const DECIDE_CLAIM = `
      CREATE FUNCTION decide_claim(
        p_token text, p_reviewer uuid, p_email text, p_queues uuid[], p_hash text, p_verdict text,
        p_output jsonb, p_patch jsonb, p_comment text, p_status text
      ) RETURNS jsonb LANGUAGE plpgsql AS $$
      DECLARE
        c claims;
        d decisions;
        v_first decisions;
        v_item items;
        v_required integer;
        v_escalate_to uuid;
        v_status text := p_status;
        v_moved_to uuid;
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
            SELECT * INTO v_item FROM items WHERE id = c.item_id;
            RETURN jsonb_build_object('replayed', true, 'decision', to_jsonb(d), 'queueId', c.queue_id,
                                      'itemStatus', v_item.status, 'priority', v_item.priority);
          END IF;
          RAISE EXCEPTION 'already decided' USING HINT = 'arbiter:already_decided';
        END IF;
        IF c.status <> 'live' OR c.expires_at <= now() THEN
          RAISE EXCEPTION 'claim not live' USING HINT = 'arbiter:claim_expired';
        END IF;
        SELECT * INTO v_item FROM items WHERE id = c.item_id FOR UPDATE;
        INSERT INTO decisions (item_id, queue_id, verdict, output, patch, reviewer_id, comment, duration_ms, claim_id,
                               request_hash)
        VALUES (c.item_id, c.queue_id, p_verdict, CASE WHEN p_verdict = 'approve' THEN v_item.output ELSE p_output END,
                p_patch, p_reviewer, p_comment, (extract(epoch FROM now() - c.claimed_at) * 1000)::int, c.id, p_hash)
        RETURNING * INTO d;
        UPDATE claims SET status = 'decided', ended_at = now() WHERE id = c.id;
        INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
        VALUES ('user', p_reviewer::text, p_email, 'item.decided', 'item', c.item_id::text, c.queue_id,
                jsonb_build_object('decisionId', d.id, 'claimId', c.id, 'verdict', p_verdict, 'patch', p_patch,
                                   'comment', p_comment));

        SELECT reviews_required, escalate_to_id INTO v_required, v_escalate_to FROM queues WHERE id = c.queue_id;
        IF v_required > 1 AND v_item.first_review_id IS NULL THEN
          -- The first of two reviews: back in line for somebody else.
          v_status := 'pending';
          UPDATE items SET status = 'pending', first_review_id = d.id, version = version + 1, updated_at = now()
           WHERE id = c.item_id;
        ELSIF v_item.first_review_id IS NOT NULL THEN
          SELECT * INTO v_first FROM decisions WHERE id = v_item.first_review_id;
          IF v_first.verdict = d.verdict AND v_first.output IS NOT DISTINCT FROM d.output THEN
            UPDATE items SET status = p_status, version = version + 1, updated_at = now() WHERE id = c.item_id;
          ELSE
            -- The reviewers disagree: adjudication, in the escalation queue or by an admin.
            v_status := CASE WHEN v_escalate_to IS NULL THEN 'escalated' ELSE 'pending' END;
            v_moved_to := v_escalate_to;
            UPDATE items SET status = v_status, queue_id = coalesce(v_escalate_to, queue_id),
                   escalated_from_id = queue_id, first_review_id = NULL, version = version + 1, updated_at = now()
             WHERE id = c.item_id;
            INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
            VALUES ('system', NULL, 'arbiter', 'item.escalated', 'item', c.item_id::text, c.queue_id,
                    jsonb_build_object('reason', 'reviewers_disagree', 'decisionIds', jsonb_build_array(v_first.id, d.id),
                                       'fromQueueId', c.queue_id, 'toQueueId', v_escalate_to));
          END IF;
        ELSE
          UPDATE items SET status = p_status, version = version + 1, updated_at = now() WHERE id = c.item_id;
        END IF;
        RETURN jsonb_build_object('replayed', false, 'decision', to_jsonb(d), 'queueId', c.queue_id,
                                  'itemStatus', v_status, 'movedTo', v_moved_to, 'priority', v_item.priority);
      END $$`;

/** decide_claim as migration 1764900000000 made it, for going down. */
const DECIDE_CLAIM_BEFORE = `
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
        INSERT INTO decisions (item_id, queue_id, verdict, output, patch, reviewer_id, comment, duration_ms, claim_id,
                               request_hash)
        VALUES (c.item_id, c.queue_id, p_verdict, CASE WHEN p_verdict = 'approve' THEN v_ai_output ELSE p_output END, p_patch,
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
