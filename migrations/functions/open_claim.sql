-- The claim on an item its caller has just set to `claimed`: the lease, its audit event and, for a gold item,
-- the record that this reviewer was handed its template. Answers the claim with the item.
CREATE OR REPLACE FUNCTION open_claim(
  p_item items, p_reviewer uuid, p_email text, p_token text, p_lease double precision
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_claim claims;
BEGIN
  INSERT INTO claims (token, item_id, queue_id, reviewer_id, expires_at)
  VALUES (p_token, p_item.id, p_item.queue_id, p_reviewer, now() + make_interval(secs => p_lease))
  RETURNING * INTO v_claim;
  INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
  VALUES ('user', p_reviewer::text, p_email, 'item.claimed', 'item', p_item.id::text, p_item.queue_id,
          jsonb_build_object('claimId', v_claim.id, 'expiresAt', v_claim.expires_at));
  IF p_item.gold_template_id IS NOT NULL THEN
    INSERT INTO gold_handouts (reviewer_id, template_id, item_id)
    VALUES (p_reviewer, p_item.gold_template_id, p_item.id)
    ON CONFLICT (reviewer_id, template_id, item_id) DO UPDATE SET handed_at = now();
  END IF;
  RETURN jsonb_build_object('claim', to_jsonb(v_claim), 'item', to_jsonb(p_item));
END $$;
