-- Whether a reviewer may review an item, so that two reviews are independent. While an item awaits its second
-- review (first_review_id: the first review stands until the second is given, across escalations and
-- requeues), neither its first reviewer nor anyone who escalated it since may give it. An item sent to
-- adjudication is never judged by someone who reviewed it in the queue it came from.
CREATE OR REPLACE FUNCTION may_review(p_item items, p_reviewer uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_first decisions;
BEGIN
  IF p_item.first_review_id IS NOT NULL THEN
    SELECT * INTO v_first FROM decisions WHERE id = p_item.first_review_id;
    IF v_first.reviewer_id = p_reviewer OR EXISTS (
         SELECT 1 FROM claims
          WHERE item_id = p_item.id AND reviewer_id = p_reviewer AND status = 'escalated'
            AND claimed_at >= v_first.decided_at) THEN
      RETURN false;
    END IF;
  END IF;
  RETURN p_item.escalated_from_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM decisions
     WHERE item_id = p_item.id AND reviewer_id = p_reviewer AND queue_id <> p_item.queue_id);
END $$;
