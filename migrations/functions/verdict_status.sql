-- The one mapping from a final decision's verdict to the item's status, whoever decided: a reviewer, the SLA
-- fallback or auto-approval. Plain SQL, so callers' statements inline it.
CREATE OR REPLACE FUNCTION verdict_status(p_verdict text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE p_verdict
           WHEN 'approve' THEN 'approved'
           WHEN 'correct' THEN 'corrected'
           WHEN 'reject' THEN 'rejected'
           WHEN 'fallback' THEN 'fallback'
           WHEN 'auto_approve' THEN 'auto_approved'
         END
$$;
