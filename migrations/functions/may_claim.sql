-- Whether the line may hand an item to a reviewer: one they may review, never one assigned to somebody else, and
-- never a gold template they were already handed through another of its instances.
CREATE OR REPLACE FUNCTION may_claim(p_item items, p_reviewer uuid) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF p_item.assignee_id IS NOT NULL AND p_item.assignee_id <> p_reviewer THEN
    RETURN false;
  END IF;
  IF p_item.gold_template_id IS NOT NULL AND EXISTS (
       SELECT 1 FROM gold_handouts
        WHERE reviewer_id = p_reviewer AND template_id = p_item.gold_template_id AND item_id <> p_item.id) THEN
    RETURN false;
  END IF;
  -- Most items have no review behind them: nothing more to look up (claim_item asks on every claim).
  RETURN (p_item.first_review_id IS NULL AND p_item.escalated_from_id IS NULL) OR may_review(p_item, p_reviewer);
END $$;
