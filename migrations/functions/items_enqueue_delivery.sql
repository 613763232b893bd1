-- The outbox: an item reaching a terminal status gets its webhook delivery in the same transaction, whichever
-- function made the change. Deferred to commit, the trigger sees the decision whichever order the writer stored
-- it in. A gold item, whose decision is scored and never sent anywhere, gets none.
CREATE OR REPLACE FUNCTION items_enqueue_delivery() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  v_item items;
  v_url text;
  v_id uuid := gen_random_uuid();
BEGIN
  SELECT * INTO v_item FROM items WHERE id = NEW.id;
  IF NOT FOUND OR v_item.status NOT IN ('approved', 'corrected', 'rejected', 'auto_approved', 'fallback')
     OR v_item.gold_template_id IS NOT NULL THEN
    RETURN NULL;
  END IF;
  SELECT coalesce(nullif(v_item.callback_url, ''), nullif(q.callback_url, '')) INTO v_url
    FROM queues q WHERE q.id = v_item.queue_id;
  IF v_url IS NULL THEN
    RETURN NULL;
  END IF;
  INSERT INTO deliveries (id, webhook_id, item_id, queue_id, api_key_id, decision_id, url)
  VALUES (v_id, 'msg_' || replace(v_id::text, '-', ''), v_item.id, v_item.queue_id, v_item.api_key_id,
          (SELECT d.id FROM decisions d WHERE d.item_id = v_item.id ORDER BY d.decided_at DESC, d.id DESC LIMIT 1),
          v_url)
  ON CONFLICT (item_id) DO NOTHING;
  RETURN NULL;
END $$;

-- A constraint trigger cannot be replaced in place; this file runs in one transaction, so it is never missing.
DROP TRIGGER IF EXISTS items_delivery ON items;
CREATE CONSTRAINT TRIGGER items_delivery AFTER INSERT OR UPDATE OF status ON items
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
  WHEN (NEW.status IN ('approved', 'corrected', 'rejected', 'auto_approved', 'fallback'))
  EXECUTE FUNCTION items_enqueue_delivery();
