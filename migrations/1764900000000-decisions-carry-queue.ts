import type { MigrationInterface, QueryRunner } from 'typeorm';

/** decide_claim writes the decision's queue itself, sparing the per-row lookup of decisions_fill_queue. */
export class DecisionsCarryQueue1764900000000 implements MigrationInterface {
  name = 'DecisionsCarryQueue1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(decideClaimSql(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(decideClaimSql(false));
  }
}

/**
 * decide_claim as migration 1764400000000 made it; with `withQueue` the decision names its queue itself instead
 * of leaving it to the decisions_fill_queue trigger.
 */
function decideClaimSql(withQueue: boolean): string {
  return `      CREATE OR REPLACE FUNCTION decide_claim(
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
        INSERT INTO decisions (item_id, ${withQueue ? 'queue_id, ' : ''}verdict, output, patch, reviewer_id, comment, duration_ms, claim_id,
                               request_hash)
        VALUES (c.item_id, ${withQueue ? 'c.queue_id, ' : ''}p_verdict, CASE WHEN p_verdict = 'approve' THEN v_ai_output ELSE p_output END, p_patch,
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
}
