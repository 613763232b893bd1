-- A reviewer hands their claimed item on, with a comment: the claim ends `escalated` and the item goes to
-- adjudication. The caller holds the claim and the item and has checked the claim is the reviewer's and live.
CREATE OR REPLACE FUNCTION escalate_claim(p_claim uuid, p_reviewer uuid, p_email text, p_comment text)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c claims;
  v_move record;
BEGIN
  UPDATE claims SET status = 'escalated', ended_at = now() WHERE id = p_claim RETURNING * INTO c;
  SELECT * INTO v_move FROM move_to_adjudication(c.item_id, false);
  INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
  VALUES ('user', p_reviewer::text, p_email, 'item.escalated', 'item', c.item_id::text, v_move.from_queue,
          jsonb_build_object('claimId', c.id, 'comment', p_comment, 'fromQueueId', v_move.from_queue,
                             'toQueueId', v_move.to_queue));
  RETURN jsonb_build_object('itemId', c.item_id, 'queueId', v_move.from_queue, 'movedTo', v_move.to_queue,
                            'priority', v_move.item_priority);
END $$;
