-- Claims p_item if it is still pending, or with p_item null the next pending item of the queue in priority order
-- (the path for when Redis has no job), in one call: the per-reviewer lock, the live-claim limit, the item's new
-- status, the claim and its audit event. Each statement of a function sees what committed before it, so the
-- count taken after the lock cannot be outrun by the same reviewer's other claims. A reviewer never takes an item
-- whose first review is theirs, nor adjudicates one they reviewed in the queue it came from, nor gets a gold
-- template twice through two of its instances: asked for such an item by id, it answers {"skip": true} so the
-- caller puts the review job back for somebody else.
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
       AND (first_review_id IS NULL OR NOT EXISTS (
             SELECT 1 FROM decisions fr WHERE fr.id = first_review_id AND fr.reviewer_id = p_reviewer))
       AND (escalated_from_id IS NULL OR NOT EXISTS (
             SELECT 1 FROM decisions pr WHERE pr.item_id = items.id AND pr.reviewer_id = p_reviewer
                AND pr.queue_id <> items.queue_id))
       AND (gold_template_id IS NULL OR NOT EXISTS (
             SELECT 1 FROM gold_handouts h WHERE h.reviewer_id = p_reviewer AND h.template_id = items.gold_template_id
                AND h.item_id <> items.id))
     ORDER BY priority DESC, created_at LIMIT 1 FOR UPDATE SKIP LOCKED;
  END IF;
  UPDATE items SET status = 'claimed', version = version + 1, updated_at = now()
   WHERE id = v_item AND queue_id = p_queue AND status = 'pending'
     AND (first_review_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM decisions fr WHERE fr.id = first_review_id AND fr.reviewer_id = p_reviewer))
     AND (escalated_from_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM decisions pr WHERE pr.item_id = items.id AND pr.reviewer_id = p_reviewer
              AND pr.queue_id <> items.queue_id))
     AND (gold_template_id IS NULL OR NOT EXISTS (
           SELECT 1 FROM gold_handouts h WHERE h.reviewer_id = p_reviewer AND h.template_id = items.gold_template_id
              AND h.item_id <> items.id))
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
  IF v_row.gold_template_id IS NOT NULL THEN
    INSERT INTO gold_handouts (reviewer_id, template_id, item_id)
    VALUES (p_reviewer, v_row.gold_template_id, v_row.id)
    ON CONFLICT (reviewer_id, template_id, item_id) DO UPDATE SET handed_at = now();
  END IF;
  RETURN jsonb_build_object('claim', to_jsonb(v_claim), 'item', to_jsonb(v_row));
END $$;
