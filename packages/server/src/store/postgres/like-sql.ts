/**
 * The text of migration 4 (schema.ts): `LIKE` as the dialect (dialect.ts) runs it, matching as
 * SQLite's `like_match` (query/filter/like.ts) does, in time linear in the text. Migration text
 * is history: never edit it once released; a change is a new migration.
 *
 * PostgreSQL's own LIKE, and `strpos` (Boyer–Moore–Horspool), take up to text × run steps for a
 * crafted run (0.1 s to 0.3 s on a 32 KiB value), and, on text as codec.ts stores it, can find a
 * run holding U+0001 or U+0002 inside an escape pair. The dialect uses it only where neither can
 * happen (`roster_like_native`), else `roster_like`. A pattern is read once per statement
 * (`roster_like_prepare`, from a sub-select that refers to no row): its runs are upper-cased and
 * each inner run gets a plan. Per row, the first run must start the text and the last end it;
 * each inner run is placed leftmost after the one before (always right with `%` the only
 * wildcard). Runs of at most 16 bytes are left to one `bytea LIKE`, which with such runs passes
 * over the text once; else runs up to `anchor` bytes (256) are found with `position` (memcmp at
 * each place), in windows; a longer run is found through an `anchor`-byte piece of it whose places
 * in any text lie more than `anchor / 2` apart, each place checked whole, and a run with a short
 * period is stepped past in one jump after a mismatch. So a text is passed over a few times at
 * most, with at most about 2 × text / anchor steps of PL/pgSQL per run.
 *
 * `roster_like` matches bytes (`roster_like_bytes`): the UTF-8 of the text, which is
 * self-synchronizing (a run found at any byte is found at a character), except that codec.ts's
 * escapes (U+0001 U+0001 for U+0000, U+0001 U+0002 for U+0001) and U+0010 become the byte pairs
 * C0 80, C0 81 and C0 82, which valid UTF-8 never holds.
 */
export const LIKE_FUNCTIONS_SQL = String.raw`
CREATE TYPE roster_like_pattern AS (
  exact boolean,
  first bytea,
  last bytea,
  inner_runs bytea[],
  plans integer[],
  middle bytea,
  min_bytes integer,
  anchor integer
);
COMMENT ON TYPE roster_like_pattern IS 'A LIKE pattern read by roster_like_prepare: exact (no wildcard); first and last runs; the non-empty runs between and their plans (-1: searched whole, -2: periodic, n: found through the anchor at byte n); middle, the inner runs as one bytea LIKE pattern when all are short; min_bytes, all runs together';

-- The bytes LIKE compares: UTF-8, with the escape pairs of codec.ts and U+0010 as C0 80, C0 81,
-- C0 82. U+0010 is moved away first, so that no hex digits of two bytes can be read across a
-- byte boundary as 0101, 0102 or 0103; replace() then reads the pairs from the left, as decoded.
CREATE FUNCTION roster_like_bytes(t text) RETURNS bytea
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT CASE WHEN strpos(t, chr(1)) = 0 AND strpos(t, chr(16)) = 0 THEN convert_to(t, 'UTF8')
  ELSE decode(replace(replace(replace(encode(convert_to(replace(t, chr(16), chr(1) || chr(3)), 'UTF8'), 'hex'),
    '0101', 'c080'), '0102', 'c081'), '0103', 'c082'), 'hex') END
$$;

-- The literal runs of a pattern in which % is the only wildcard and \ makes the next character
-- literal (sqlLikeRuns of query/filter/like.ts), in a few passes over it. With codec.ts's escape
-- of U+0000 spelled U+0001 U+0003 for a while, U+0001 only ever starts a pair, so the pairs
-- U+0001 U+0004 and U+0001 U+0005 can stand for \\ and \% until the pattern is split at %.
CREATE FUNCTION roster_like_runs(pattern text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  t text := replace(replace(replace(pattern, chr(1) || chr(1), chr(1) || chr(3)), '\\', chr(1) || chr(4)), '\%', chr(1) || chr(5));
BEGIN
  IF strpos(regexp_replace(t, '\\.', '', 'g'), '_') > 0 THEN
    RAISE EXCEPTION 'roster_like: _ wildcards are not supported; escape it as \_';
  END IF;
  t := replace(regexp_replace(t, '\\(.)', '\1', 'g'), chr(1) || chr(4), '\');
  IF t = '' THEN
    RETURN ARRAY[''];
  END IF;
  RETURN ARRAY(
    SELECT replace(replace(run, chr(1) || chr(5), '%'), chr(1) || chr(3), chr(1) || chr(1))
    FROM unnest(string_to_array(t, '%')) WITH ORDINALITY AS r(run, n) ORDER BY n);
END $$;

-- How an inner run r is found: -1, by itself (r is at most anchor bytes); 0, through its first
-- anchor bytes, which have no period up to anchor / 2, so their places lie further apart; -2,
-- through its first anchor bytes, r having their short period throughout; else, through the
-- anchor bytes that end where r first breaks that period (they have no short period: the byte
-- that breaks it rules each out), starting at the byte returned.
CREATE FUNCTION roster_like_plan(r bytea, anchor integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  m integer := length(r);
  period integer;
  lo integer;
  hi integer;
  mid integer;
BEGIN
  IF m <= anchor THEN
    RETURN -1;
  END IF;
  FOR d IN 1 .. anchor / 2 LOOP
    IF substr(r, 1, anchor - d) = substr(r, d + 1, anchor - d) THEN
      period := d;
      EXIT;
    END IF;
  END LOOP;
  IF period IS NULL THEN
    RETURN 0;
  END IF;
  -- The longest prefix of r with that period is period + lo bytes long.
  lo := anchor - period;
  hi := m - period + 1;
  WHILE hi - lo > 1 LOOP
    mid := (lo + hi) / 2;
    IF substr(r, period + 1, mid) = substr(r, 1, mid) THEN lo := mid; ELSE hi := mid; END IF;
  END LOOP;
  IF period + lo = m THEN
    RETURN -2;
  END IF;
  RETURN period + lo - anchor + 1;
END $$;

-- The pattern, read once per statement: its runs upper-cased as the dialect's fold does, in bytes.
-- Inner runs all at most short_run bytes are left to one bytea LIKE (middle); runs longer than
-- anchor bytes are found through a piece of them (roster_like_plan). Tests pass smaller values.
CREATE FUNCTION roster_like_prepare(pattern text, anchor integer DEFAULT 256, short_run integer DEFAULT 16) RETURNS roster_like_pattern
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  WITH runs AS (
    SELECT n, folded, roster_like_bytes(folded) AS bytes, count(*) OVER () AS k
    FROM unnest(roster_like_runs(pattern)) WITH ORDINALITY AS r(run, n), upper(run COLLATE "und-x-icu") AS folded
  ), inner_runs AS (
    SELECT * FROM runs WHERE n > 1 AND n < k AND bytes <> ''::bytea
  )
  SELECT ROW(
    (SELECT k = 1 FROM runs WHERE n = 1),
    (SELECT bytes FROM runs WHERE n = 1),
    (SELECT bytes FROM runs WHERE n = k),
    (SELECT coalesce(array_agg(bytes ORDER BY n), '{}') FROM inner_runs),
    (SELECT coalesce(array_agg(CASE WHEN length(bytes) <= anchor THEN -1 ELSE roster_like_plan(bytes, anchor) END ORDER BY n), '{}') FROM inner_runs),
    (SELECT CASE WHEN bool_and(length(bytes) <= short_run) THEN roster_like_bytes('%' || string_agg(replace(replace(replace(folded, '\', '\\'), '%', '\%'), '_', '\_') || '%', '' ORDER BY n)) END FROM inner_runs),
    (SELECT sum(length(bytes))::integer FROM runs),
    anchor
  )::roster_like_pattern
$$;

-- Whether PostgreSQL's own LIKE, on the text and pattern upper-cased, answers as roster_like and
-- as fast: when every run after the first is at most short_run bytes (it then passes over the
-- text once), none holds U+0001 or U+0002 (so none can match inside an escape pair of codec.ts),
-- and no lone \ ends the pattern (PostgreSQL refuses one; like_match reads it literally).
CREATE FUNCTION roster_like_native(pattern text, short_run integer DEFAULT 16) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT strpos(pattern, chr(1)) = 0 AND strpos(pattern, chr(2)) = 0
    AND (length(pattern) - length(rtrim(pattern, '\'))) % 2 = 0
    AND NOT EXISTS (
      SELECT FROM unnest(roster_like_runs(pattern)) WITH ORDINALITY AS r(run, n)
      WHERE n > 1 AND octet_length(upper(run COLLATE "und-x-icu")) > short_run)
$$;

-- The first place at or after from_at where r lies wholly before lim (0-based), or -1: position()
-- in windows, so no call copies much more than it searches.
CREATE FUNCTION roster_like_scan(b bytea, r bytea, from_at integer, lim integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  m integer := length(r);
  width integer := greatest(2048, 4 * m);
  seg integer;
  found integer;
BEGIN
  LOOP
    seg := least(width, lim - from_at);
    IF seg < m THEN
      RETURN -1;
    END IF;
    found := position(r IN substr(b, from_at + 1, seg));
    IF found > 0 THEN
      RETURN from_at + found - 1;
    END IF;
    IF from_at + seg >= lim THEN
      RETURN -1;
    END IF;
    from_at := from_at + seg - m + 1;
  END LOOP;
END $$;

-- roster_like_scan for an inner run of any length, by its plan (roster_like_plan).
CREATE FUNCTION roster_like_seek(b bytea, r bytea, from_at integer, lim integer, plan integer, anchor integer) RETURNS integer
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  m integer := length(r);
  off integer := greatest(plan, 0);
  a bytea := substr(r, off + 1, anchor);
  q integer;
  lo integer;
  hi integer;
  mid integer;
BEGIN
  IF plan = -1 THEN
    RETURN roster_like_scan(b, r, from_at, lim);
  END IF;
  LOOP
    q := roster_like_scan(b, a, from_at + off, lim - m + off + anchor);
    IF q < 0 THEN
      RETURN -1;
    END IF;
    q := q - off;
    IF substr(b, q + 1, m) = r THEN
      RETURN q;
    END IF;
    IF plan >= 0 THEN
      from_at := q + 1;
    ELSE
      -- b matches r's period from q for lo bytes: r cannot start again before q + lo - anchor + 1.
      lo := anchor;
      hi := m;
      WHILE hi - lo > 1 LOOP
        mid := (lo + hi) / 2;
        IF substr(b, q + 1, mid) = substr(r, 1, mid) THEN lo := mid; ELSE hi := mid; END IF;
      END LOOP;
      from_at := q + lo - anchor + 1;
    END IF;
  END LOOP;
END $$;

-- Whether t (already upper-cased) matches the pattern p.
CREATE FUNCTION roster_like(t text, p roster_like_pattern) RETURNS boolean
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
  b bytea := roster_like_bytes(t);
  lim integer := length(b) - length(p.last);
  at integer := length(p.first);
  plans integer[] := p.plans;
  run bytea;
  i integer := 0;
  found integer;
BEGIN
  IF p.exact THEN
    RETURN b = p.first;
  END IF;
  IF length(b) < p.min_bytes OR substr(b, 1, at) <> p.first OR substr(b, lim + 1) <> p.last THEN
    RETURN false;
  END IF;
  IF p.middle IS NOT NULL THEN
    RETURN substr(b, at + 1, lim - at) LIKE p.middle;
  END IF;
  FOREACH run IN ARRAY p.inner_runs LOOP
    i := i + 1;
    -- A run near the place it is looked for from is found here, without a call.
    found := CASE WHEN plans[i] = -1 THEN position(run IN substr(b, at + 1, least(lim - at, 512))) ELSE 0 END;
    IF found > 0 THEN
      at := at + found - 1;
    ELSE
      at := roster_like_seek(b, run, at, lim, plans[i], p.anchor);
      IF at < 0 THEN
        RETURN false;
      END IF;
    END IF;
    at := at + length(run);
  END LOOP;
  RETURN true;
END $$;
`;
