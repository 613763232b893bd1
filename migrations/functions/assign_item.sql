-- An admin hands a pending item to one reviewer (p_assignee), who alone may claim it, or back to its queue's
-- shared line (NULL). Only while it waits: a claimed item is refused until its claim ends (a live claim is never
-- taken away), and gold items go out at their queue's rate, never by assignment. The assignee must be one the
-- queue's items may be assigned to (may_be_assigned) and may review this item (not the first of its two
-- reviewers). Audited as `item.assigned`; the assignee it already has changes nothing. Answers {changed,
-- previous, queueId, priority}.
CREATE OR REPLACE FUNCTION assign_item(
  p_item uuid, p_assignee uuid, p_actor_type text, p_actor_id text, p_actor_name text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_item items;
  v_from uuid;
BEGIN
  SELECT * INTO v_item FROM items WHERE id = p_item FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such item' USING HINT = 'arbiter:no_item';
  END IF;
  IF v_item.status = 'claimed' THEN
    RAISE EXCEPTION 'This item is claimed; it can be assigned once the claim ends (released, expired or decided)'
      USING HINT = 'arbiter:not_pending';
  END IF;
  IF v_item.status <> 'pending' THEN
    RAISE EXCEPTION 'Only pending items can be assigned; this one is %', v_item.status
      USING HINT = 'arbiter:not_pending';
  END IF;
  IF v_item.gold_template_id IS NOT NULL THEN
    RAISE EXCEPTION 'Gold items go out at their queue''s gold rate; they are not assigned'
      USING HINT = 'arbiter:not_pending';
  END IF;
  IF p_assignee IS NOT NULL AND NOT may_be_assigned(p_assignee, v_item.queue_id) THEN
    RAISE EXCEPTION 'not an enabled reviewer of the item''s queue' USING HINT = 'arbiter:not_assignable';
  END IF;
  IF p_assignee IS NOT NULL AND NOT may_review(v_item, p_assignee) THEN
    RAISE EXCEPTION 'has reviewed or escalated this item before; its next review must be independent'
      USING HINT = 'arbiter:not_assignable';
  END IF;
  v_from := v_item.assignee_id;
  IF v_from IS DISTINCT FROM p_assignee THEN
    UPDATE items SET assignee_id = p_assignee, version = version + 1, updated_at = now() WHERE id = p_item;
    INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
    VALUES (p_actor_type, p_actor_id, p_actor_name, 'item.assigned', 'item', p_item::text, v_item.queue_id,
            jsonb_build_object('assigneeId', p_assignee, 'previousAssigneeId', v_from));
  END IF;
  RETURN jsonb_build_object('changed', v_from IS DISTINCT FROM p_assignee, 'previous', v_from,
                            'queueId', v_item.queue_id, 'priority', v_item.priority);
END $$;
