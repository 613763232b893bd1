import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Claiming as one database call: the per-reviewer lock, the live-claim limit, the item's new status, the
 * claim and its audit event in a single round trip. Each statement in the function sees what committed
 * before it, so the count taken after the lock cannot be outrun by the same reviewer's other claims.
 */
export class ClaimFunction1764300000000 implements MigrationInterface {
  name = 'ClaimFunction1764300000000';

  async up(q: QueryRunner): Promise<void> {
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
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION claim_item(uuid, uuid, uuid, text, text, double precision, integer)`);
  }
}
