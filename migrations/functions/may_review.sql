-- Whether a reviewer may review an item, so that two reviews are independent: an item awaiting its second
-- review (first_review_id) never goes to its first reviewer, and an item sent to adjudication is never judged by
-- someone who reviewed it in the queue it came from.
CREATE OR REPLACE FUNCTION may_review(p_item items, p_reviewer uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
DECLARE
  v_first decisions;
BEGIN
  IF p_item.first_review_id IS NOT NULL THEN
    SELECT * INTO v_first FROM decisions WHERE id = p_item.first_review_id;
    IF v_first.reviewer_id = p_reviewer THEN
      RETURN false;
    END IF;
  END IF;
  RETURN p_item.escalated_from_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM decisions
     WHERE item_id = p_item.id AND reviewer_id = p_reviewer AND queue_id <> p_item.queue_id);
END $$;
