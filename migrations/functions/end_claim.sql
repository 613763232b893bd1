-- A live claim given back (`released`) or run out (`expired`): the item is pending again, back in line for
-- whoever may take it; an assigned item stays its assignee's, unless they may no longer be assigned it (removed
-- from the queue meanwhile), when it goes back to the shared line. The caller holds the claim and has checked it
-- is live.
CREATE OR REPLACE FUNCTION end_claim(
  p_claim uuid, p_reason text, p_actor_type text, p_actor_id text, p_actor_name text
) RETURNS items LANGUAGE plpgsql AS $$
DECLARE
  c claims;
  v_item items;
  v_unassigned items;
BEGIN
  IF p_reason NOT IN ('released', 'expired') THEN
    RAISE EXCEPTION 'a claim ends released or expired, not %', p_reason;
  END IF;
  UPDATE claims SET status = p_reason, ended_at = now() WHERE id = p_claim RETURNING * INTO c;
  UPDATE items SET status = 'pending', version = version + 1, updated_at = now()
   WHERE id = c.item_id AND status = 'claimed'
  RETURNING * INTO v_item;
  IF NOT FOUND THEN
    SELECT * INTO v_item FROM items WHERE id = c.item_id;
  END IF;
  INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
  VALUES (p_actor_type, p_actor_id, p_actor_name, 'claim.' || p_reason, 'item', v_item.id::text, v_item.queue_id,
          jsonb_build_object('claimId', c.id, 'reviewerId', c.reviewer_id));
  IF v_item.status = 'pending' AND v_item.assignee_id IS NOT NULL THEN
    SELECT * INTO v_unassigned FROM unassign_stranded(NULL, v_item.id, 'system', NULL, 'arbiter');
    IF FOUND THEN
      v_item := v_unassigned;
    END IF;
  END IF;
  RETURN v_item;
END $$;
