-- An identifier shaped like p_like with fresh digits: hex runs of six or more (with a digit) become random hex of
-- the same case, other digits random digits, everything else is kept; a UUID keeps its version and variant
-- characters. `ticket-48213` gives `ticket-90571`, `ext-3fa9c01b22de` gives `ext-8e01b7c94d2a`.
CREATE OR REPLACE FUNCTION lookalike_id(p_like text) RETURNS text LANGUAGE sql VOLATILE AS $$
  SELECT CASE WHEN p_like ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              THEN overlay(overlay(r PLACING substr(p_like, 15, 1) FROM 15) PLACING substr(p_like, 20, 1) FROM 20)
              ELSE r END
    FROM (
      SELECT coalesce(string_agg(
               CASE WHEN length(tok) >= 6 AND tok ~ '^[0-9a-f]+$' AND tok ~ '[0-9]' THEN
                      (SELECT string_agg(substr('0123456789abcdef', 1 + floor(random() * 16)::int, 1), '')
                         FROM generate_series(1, length(tok)))
                    WHEN length(tok) >= 6 AND tok ~ '^[0-9A-F]+$' AND tok ~ '[0-9]' THEN
                      (SELECT string_agg(substr('0123456789ABCDEF', 1 + floor(random() * 16)::int, 1), '')
                         FROM generate_series(1, length(tok)))
                    ELSE (SELECT string_agg(CASE WHEN c ~ '[0-9]' THEN floor(random() * 10)::int::text ELSE c END,
                                            '' ORDER BY m)
                            FROM regexp_split_to_table(tok, '') WITH ORDINALITY AS u(c, m))
               END, '' ORDER BY n), '') AS r
        FROM regexp_split_to_table(p_like, '(?<=[0-9a-fA-F])(?![0-9a-fA-F])|(?<![0-9a-fA-F])(?=[0-9a-fA-F])')
             WITH ORDINALITY AS t(tok, n)
    ) x
$$;
