-- An admin puts an item waiting for them (`escalated`) back in line, pending in p_queue (its own queue or
-- another). A first review still standing stands on: the item goes on awaiting its second review.
CREATE OR REPLACE FUNCTION requeue_item(
  p_item uuid, p_queue uuid, p_actor_type text, p_actor_id text, p_actor_name text
) RETURNS items LANGUAGE plpgsql AS $$
DECLARE
  v_item items;
  v_from uuid;
BEGIN
  SELECT * INTO v_item FROM items WHERE id = p_item FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such item' USING HINT = 'arbiter:no_item';
  END IF;
  IF v_item.status <> 'escalated' THEN
    RAISE EXCEPTION 'Only escalated items can be requeued; this one is %', v_item.status
      USING HINT = 'arbiter:not_escalated';
  END IF;
  v_from := v_item.queue_id;
  UPDATE items SET status = 'pending', queue_id = p_queue, version = version + 1, updated_at = now()
   WHERE id = p_item
  RETURNING * INTO v_item;
  INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
  VALUES (p_actor_type, p_actor_id, p_actor_name, 'item.requeued', 'item', p_item::text, p_queue,
          jsonb_build_object('fromQueueId', v_from, 'toQueueId', p_queue));
  RETURN v_item;
END $$;
