-- Claims a gold item for the reviewer, or answers NULL (the caller claims a real item instead) when no real item
-- waits that the line would hand this reviewer (gold only stands in for real work: a queue of nothing but gold
-- would give it away) or there is no template. The template is one this reviewer was never handed, else the one handed longest ago,
-- never one they hold now. An instance of it already waiting in line is taken before a new one is made. A new
-- instance borrows the look of the real item next in line, and its `item.received` event records, beside the
-- truth (a system actor, the template), what reviewers are shown of it (`shownAs`).
CREATE OR REPLACE FUNCTION claim_gold(
  p_queue uuid, p_reviewer uuid, p_email text, p_token text, p_lease double precision, p_max_live integer
) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
  v_head items;
  v_template gold_templates;
  v_item uuid;
  v_row items;
  v_created timestamptz;
  v_seq bigint;
BEGIN
  PERFORM take_claim_slot(p_reviewer, p_max_live);
  SELECT * INTO v_head FROM items
   WHERE queue_id = p_queue AND status = 'pending' AND gold_template_id IS NULL AND may_claim(items, p_reviewer)
   ORDER BY priority DESC, created_at LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT t.* INTO v_template FROM gold_templates t
    LEFT JOIN (SELECT template_id, max(handed_at) AS last FROM gold_handouts WHERE reviewer_id = p_reviewer
                GROUP BY template_id) h ON h.template_id = t.id
   WHERE t.queue_id = p_queue
     AND NOT EXISTS (SELECT 1 FROM claims c JOIN items g ON g.id = c.item_id
                      WHERE c.reviewer_id = p_reviewer AND c.status = 'live' AND g.gold_template_id = t.id)
   ORDER BY h.last NULLS FIRST, random() LIMIT 1;
  IF NOT FOUND THEN
    RETURN NULL;
  END IF;
  SELECT id INTO v_item FROM items
   WHERE queue_id = p_queue AND gold_template_id = v_template.id AND status = 'pending'
     AND may_review(items, p_reviewer)
   LIMIT 1 FOR UPDATE SKIP LOCKED;
  IF v_item IS NULL THEN
    v_created := v_head.created_at - make_interval(secs => random() * 2);
    v_item := uuid_v7_at(v_created);
    SELECT seq INTO v_seq FROM audit_events
     WHERE subject_id = v_head.id::text AND action = 'item.received' ORDER BY seq LIMIT 1;
    v_seq := greatest(1, coalesce(v_seq, (SELECT max(seq) FROM audit_events)) - 1 - floor(random() * 3)::bigint);
    INSERT INTO items (id, queue_id, service, api_key_id, external_id, request_hash, model_name, model_version,
                       input, output, confidence, reason, priority, metadata, callback_url, status, sla_deadline,
                       created_at, updated_at, gold_template_id)
    SELECT v_item, p_queue, v_head.service, v_head.api_key_id, lookalike_id(v_head.external_id),
           'gold:' || v_template.id, v_template.model_name, v_template.model_version, v_template.input,
           v_template.output, v_template.confidence, coalesce(v_template.reason, v_head.reason), v_head.priority,
           v_template.metadata, v_head.callback_url, 'pending', v_created + make_interval(secs => q.sla_seconds),
           v_created, v_created, v_template.id
      FROM queues q WHERE q.id = p_queue
    RETURNING * INTO v_row;
    INSERT INTO audit_events (actor_type, actor_id, actor_name, action, subject_type, subject_id, queue_id, data)
    VALUES ('system', NULL, 'arbiter', 'item.received', 'item', v_item::text, p_queue, jsonb_build_object(
              'externalId', v_row.external_id, 'reason', v_row.reason, 'confidence', v_row.confidence,
              'priority', v_row.priority,
              'model', jsonb_build_object('name', v_row.model_name, 'version', v_row.model_version),
              'gold', jsonb_build_object('templateId', v_template.id, 'shownAs', jsonb_build_object(
                'seq', v_seq,
                'actor', jsonb_build_object('type', 'service', 'id', v_head.api_key_id::text,
                                            'name', v_head.service)))));
  END IF;
  UPDATE items SET status = 'claimed', version = version + 1, updated_at = now() WHERE id = v_item
  RETURNING * INTO v_row;
  RETURN open_claim(v_row, p_reviewer, p_email, p_token, p_lease);
END $$;
