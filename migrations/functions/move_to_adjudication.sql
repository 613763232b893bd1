-- The one way an item goes to adjudication, whether two reviews disagreed, a reviewer escalated it or its SLA
-- policy did: pending in its queue's escalateTo queue, or `escalated`, waiting for an admin, when there is none.
-- Its first review stands unless p_round_over (the second review was given): an item escalated while it awaits
-- its second review still awaits it, wherever it goes next. An assignment was for its queue: it ends. The caller
-- holds the item and writes the audit event.
CREATE OR REPLACE FUNCTION move_to_adjudication(
  p_item uuid, p_round_over boolean,
  OUT new_status text, OUT from_queue uuid, OUT to_queue uuid, OUT item_priority integer
) LANGUAGE plpgsql AS $$
BEGIN
  UPDATE items i
     SET status = CASE WHEN q.escalate_to_id IS NULL THEN 'escalated' ELSE 'pending' END,
         queue_id = coalesce(q.escalate_to_id, i.queue_id), escalated_from_id = i.queue_id,
         first_review_id = CASE WHEN p_round_over THEN NULL ELSE i.first_review_id END, assignee_id = NULL,
         version = i.version + 1, updated_at = now()
    FROM queues q
   WHERE i.id = p_item AND q.id = i.queue_id
  RETURNING i.status, i.escalated_from_id, q.escalate_to_id, i.priority
       INTO new_status, from_queue, to_queue, item_priority;
END $$;
