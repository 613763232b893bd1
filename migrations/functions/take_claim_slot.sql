-- Serialises one reviewer's claims and refuses one past their live-claim limit. Each statement of a function
-- sees what committed before it, so the count taken after the lock cannot be outrun by their other claims.
CREATE OR REPLACE FUNCTION take_claim_slot(p_reviewer uuid, p_max_live integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext('claims:' || p_reviewer::text));
  IF (SELECT count(*) FROM claims WHERE reviewer_id = p_reviewer AND status = 'live') >= p_max_live THEN
    RAISE EXCEPTION 'claim limit reached' USING ERRCODE = 'P0001', HINT = 'arbiter:claim_limit';
  END IF;
END $$;
