-- Applies a queue's onSlaBreach policy to an item whose deadline passed while it was open; the sweep holds the
-- item and passes p_policy as it read it with the item. `keep` flags the item and leaves it where it is;
-- `escalate` sends it to adjudication; `fallback` ends it with the queue's fallback output p_output (p_patch
-- from the AI output), a decision by nobody. Escalation and fallback take the item from its holder, whose late
-- decision is refused. Answers {outcome: kept|moved|escalated|fallback, movedTo, claim: {token, reviewerId,
-- ended} | null}.
CREATE OR REPLACE FUNCTION apply_sla_policy(p_item uuid, p_policy text, p_output jsonb, p_patch jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_item items;
  v_claim claims;
  v_breach jsonb;
  v_to uuid;
  v_outcome text;
  v_decision uuid;
BEGIN
  SELECT * INTO v_item FROM items WHERE id = p_item;
  -- A decision, release or heartbeat in flight holds its claim and will want the item, which the sweep holds:
  -- waiting for the claim could deadlock, so lock_not_available leaves the item to the next sweep.
  SELECT * INTO v_claim FROM claims WHERE item_id = p_item AND status = 'live' FOR UPDATE NOWAIT;
  v_breach := jsonb_build_object(
    'policy', p_policy, 'claimId', v_claim.id,
    -- As JavaScript's toISOString writes it.
    'deadline', to_char(v_item.sla_deadline AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));
  IF p_policy = 'keep' THEN
    UPDATE items SET sla_breached_at = now(), version = version + 1 WHERE id = p_item;
    v_outcome := 'kept';
  ELSE
    IF v_claim.id IS NOT NULL THEN
      UPDATE claims SET status = 'expired', ended_at = now() WHERE id = v_claim.id;
    END IF;
    IF p_policy = 'escalate' THEN
      SELECT to_queue INTO v_to FROM move_to_adjudication(p_item, false);
      UPDATE items SET sla_breached_at = now() WHERE id = p_item;
      v_breach := v_breach || jsonb_build_object('toQueueId', v_to);
      v_outcome := CASE WHEN v_to IS NULL THEN 'escalated' ELSE 'moved' END;
    ELSE
      INSERT INTO decisions (item_id, queue_id, verdict, output, patch, reviewer_id, comment)
      VALUES (p_item, v_item.queue_id, 'fallback', p_output, p_patch, NULL,
              'SLA deadline passed: the queue''s fallback output applies')
      RETURNING id INTO v_decision;
      UPDATE items SET status = verdict_status('fallback'), sla_breached_at = now(), version = version + 1,
                       updated_at = now()
       WHERE id = p_item;
      v_outcome := 'fallback';
    END IF;
  END IF;
  INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
  VALUES ('system', NULL, 'arbiter', 'item.sla_breached', 'item', p_item::text, v_item.queue_id, v_breach);
  IF v_decision IS NOT NULL THEN
    INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
    VALUES ('system', NULL, 'arbiter', 'item.fallback', 'item', p_item::text, v_item.queue_id,
            jsonb_build_object('decisionId', v_decision, 'humanReviewed', false));
  END IF;
  RETURN jsonb_build_object(
    'outcome', v_outcome, 'movedTo', v_to,
    'claim', CASE WHEN v_claim.id IS NOT NULL THEN jsonb_build_object(
               'token', v_claim.token, 'reviewerId', v_claim.reviewer_id, 'ended', p_policy <> 'keep') END);
END $$;
