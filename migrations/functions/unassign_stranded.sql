-- Takes pending items back from assignees who may no longer be assigned them (removed from the queue, no longer
-- a reviewer, disabled: see may_be_assigned), so that none waits for nobody. Each is audited as `item.assigned`
-- to nobody and answered, for the caller to put back in its queue's shared line. p_user and p_item narrow the
-- search (NULL: any); an item another transaction holds is left to a later call.
CREATE OR REPLACE FUNCTION unassign_stranded(
  p_user uuid, p_item uuid, p_actor_type text, p_actor_id text, p_actor_name text
) RETURNS SETOF items LANGUAGE plpgsql AS $$
DECLARE
  v_item items;
  v_from uuid;
BEGIN
  FOR v_item IN
    SELECT * FROM items
     WHERE status = 'pending' AND assignee_id IS NOT NULL
       AND (p_user IS NULL OR assignee_id = p_user) AND (p_item IS NULL OR id = p_item)
       AND NOT may_be_assigned(assignee_id, queue_id)
     FOR UPDATE SKIP LOCKED
  LOOP
    v_from := v_item.assignee_id;
    UPDATE items SET assignee_id = NULL, version = version + 1, updated_at = now() WHERE id = v_item.id
    RETURNING * INTO v_item;
    INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
    VALUES (p_actor_type, p_actor_id, p_actor_name, 'item.assigned', 'item', v_item.id::text, v_item.queue_id,
            jsonb_build_object('assigneeId', NULL, 'previousAssigneeId', v_from,
                               'reason', 'assignee_may_not_review'));
    RETURN NEXT v_item;
  END LOOP;
END $$;
