-- Claims p_item if it is still pending and the reviewer may take it, or with p_item null the next such item of
-- the queue in priority order (the path for when Redis has no job). Items assigned to the reviewer come first:
-- they wait here, not in the shared line, so while one waits it is claimed in place of p_item (the caller puts
-- p_item's job back). NULL when there is nothing to claim, or p_item is assigned to somebody else (its job
-- leaves the shared line); {"skip": true} when p_item waits for somebody else (the caller puts its job back).
CREATE OR REPLACE FUNCTION claim_item(
  p_queue uuid, p_item uuid, p_reviewer uuid, p_email text, p_token text, p_lease double precision,
  p_max_live integer
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_item uuid := p_item;
  v_mine uuid;
  v_row items;
BEGIN
  PERFORM take_claim_slot(p_reviewer, p_max_live);
  SELECT id INTO v_mine FROM items
   WHERE assignee_id = p_reviewer AND queue_id = p_queue AND status = 'pending' AND may_claim(items, p_reviewer)
   ORDER BY priority DESC, created_at LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF v_mine IS NOT NULL THEN
    v_item := v_mine;
  ELSIF v_item IS NULL THEN
    SELECT id INTO v_item FROM items
     WHERE queue_id = p_queue AND status = 'pending' AND may_claim(items, p_reviewer)
     ORDER BY priority DESC, created_at LIMIT 1 FOR UPDATE SKIP LOCKED;
  END IF;
  UPDATE items SET status = 'claimed', version = version + 1, updated_at = now()
   WHERE id = v_item AND queue_id = p_queue AND status = 'pending' AND may_claim(items, p_reviewer)
  RETURNING * INTO v_row;
  IF NOT FOUND THEN
    IF EXISTS (SELECT 1 FROM items WHERE id = v_item AND queue_id = p_queue AND status = 'pending'
                 AND (assignee_id IS NULL OR assignee_id = p_reviewer)) THEN
      RETURN jsonb_build_object('skip', true);
    END IF;
    RETURN NULL;
  END IF;
  RETURN open_claim(v_row, p_reviewer, p_email, p_token, p_lease);
END $$;
