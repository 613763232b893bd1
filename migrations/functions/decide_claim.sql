-- A decision, once, under the claim's row lock: a replay of the same decision returns the first one, anything
-- else on a decided claim is refused, and a live claim gets its decision, its end, its audit event and the
-- item's new status. On a queue needing two reviews the first goes back in line for somebody else (unassigned:
-- an assignee gave that review); the second ends the item if the two agree (same verdict, same final output)
-- and sends it to adjudication if not. A decision in another queue than the one the first review was given in
-- (an adjudication) is that queue's own.
-- Answers, beside the decision, `itemStatus`, `movedTo` (the adjudicating queue) and `priority` (to put the
-- item back in line).
CREATE OR REPLACE FUNCTION decide_claim(
  p_token text, p_reviewer uuid, p_email text, p_queues uuid[], p_hash text, p_verdict text,
  p_output jsonb, p_patch jsonb, p_comment text
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  c claims;
  d decisions;
  v_first decisions;
  v_item items;
  v_second boolean;
  v_status text;
  v_moved_to uuid;
BEGIN
  SELECT * INTO c FROM claims WHERE token = p_token FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no such claim' USING HINT = 'arbiter:no_claim';
  END IF;
  IF NOT c.queue_id = ANY (p_queues) THEN
    RAISE EXCEPTION 'queue not reviewed by this reviewer' USING HINT = 'arbiter:forbidden';
  END IF;
  IF c.reviewer_id <> p_reviewer THEN
    RAISE EXCEPTION 'claim not held' USING HINT = 'arbiter:not_holder';
  END IF;
  IF c.status = 'decided' THEN
    SELECT * INTO d FROM decisions WHERE claim_id = c.id;
    IF d.request_hash = p_hash THEN
      SELECT * INTO v_item FROM items WHERE id = c.item_id;
      RETURN jsonb_build_object('replayed', true, 'decision', to_jsonb(d), 'queueId', c.queue_id,
                                'itemStatus', v_item.status, 'priority', v_item.priority);
    END IF;
    RAISE EXCEPTION 'already decided' USING HINT = 'arbiter:already_decided';
  END IF;
  IF c.status <> 'live' OR c.expires_at <= now() THEN
    RAISE EXCEPTION 'claim not live' USING HINT = 'arbiter:claim_expired';
  END IF;
  SELECT * INTO v_item FROM items WHERE id = c.item_id FOR UPDATE;
  INSERT INTO decisions (item_id, queue_id, verdict, output, patch, reviewer_id, comment, duration_ms, claim_id,
                         request_hash)
  VALUES (c.item_id, c.queue_id, p_verdict, CASE WHEN p_verdict = 'approve' THEN v_item.output ELSE p_output END,
          p_patch, p_reviewer, p_comment, (extract(epoch FROM now() - c.claimed_at) * 1000)::int, c.id, p_hash)
  RETURNING * INTO d;
  UPDATE claims SET status = 'decided', ended_at = now() WHERE id = c.id;
  INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
  VALUES ('user', p_reviewer::text, p_email, 'item.decided', 'item', c.item_id::text, c.queue_id,
          jsonb_build_object('decisionId', d.id, 'claimId', c.id, 'verdict', p_verdict, 'patch', p_patch,
                             'comment', p_comment));

  IF v_item.first_review_id IS NOT NULL THEN
    SELECT * INTO v_first FROM decisions WHERE id = v_item.first_review_id;
  END IF;
  v_second := coalesce(v_first.queue_id = c.queue_id, false);
  IF v_second AND (v_first.verdict <> d.verdict OR v_first.output IS DISTINCT FROM d.output) THEN
    SELECT new_status, to_queue INTO v_status, v_moved_to FROM move_to_adjudication(c.item_id, true);
    INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
    VALUES ('system', NULL, 'arbiter', 'item.escalated', 'item', c.item_id::text, c.queue_id,
            jsonb_build_object('reason', 'reviewers_disagree', 'decisionIds', jsonb_build_array(v_first.id, d.id),
                               'fromQueueId', c.queue_id, 'toQueueId', v_moved_to));
  ELSE
    v_status := CASE WHEN NOT v_second AND (SELECT reviews_required FROM queues WHERE id = c.queue_id) > 1
                     THEN 'pending' ELSE verdict_status(p_verdict) END;
    UPDATE items SET status = v_status, first_review_id = CASE WHEN v_status = 'pending' THEN d.id ELSE first_review_id END,
                     assignee_id = CASE WHEN v_status = 'pending' THEN NULL ELSE assignee_id END,
                     version = version + 1, updated_at = now()
     WHERE id = c.item_id;
  END IF;
  RETURN jsonb_build_object('replayed', false, 'decision', to_jsonb(d), 'queueId', c.queue_id,
                            'itemStatus', v_status, 'movedTo', v_moved_to, 'priority', v_item.priority);
END $$;
