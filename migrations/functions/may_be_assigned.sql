-- Whether a queue's items may be assigned to a user: an enabled reviewer who is a member of the queue, and an
-- admin only where the queue lets admins review (four-eyes), as the API checks a claim.
CREATE OR REPLACE FUNCTION may_be_assigned(p_user uuid, p_queue uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM users u
      JOIN queue_members m ON m.user_id = u.id AND m.queue_id = p_queue
      JOIN queues q ON q.id = p_queue
     WHERE u.id = p_user AND NOT u.disabled AND 'reviewer' = ANY (u.roles)
       AND (q.allow_admin_review OR NOT 'admin' = ANY (u.roles)))
$$;
