-- The canonical model (DESIGN.md §3). Every table the product uses is created here, once. The script is
-- idempotent (IF NOT EXISTS / OR REPLACE): applied to an older database it adds what is new.
-- Table and column names are a contract: tests, queries and outside tools rely on them.

CREATE TABLE IF NOT EXISTS sources (
    source VARCHAR PRIMARY KEY,      -- pos | im | letters | custom
    label VARCHAR NOT NULL,          -- shown in filters, legends and tables
    short_label VARCHAR NOT NULL,    -- in dense lists
    sort INTEGER NOT NULL,
    color VARCHAR                    -- the channel's colour on charts
);

CREATE TABLE IF NOT EXISTS themes (
    theme VARCHAR PRIMARY KEY,
    block VARCHAR NOT NULL,          -- отраслевой блок
    sort INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS theme_aliases (
    alias VARCHAR PRIMARY KEY,       -- source category / subtheme, normalised
    theme VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS settlements (
    settlement_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR,                    -- город / село / деревня / посёлок
    municipality VARCHAR,
    oktmo VARCHAR,
    lat DOUBLE,
    lon DOUBLE,
    population INTEGER
);

CREATE TABLE IF NOT EXISTS settlement_aliases (
    alias VARCHAR PRIMARY KEY,       -- a spelling seen in exports, normalised
    settlement_id VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS executors (
    executor_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    parent VARCHAR
);

CREATE TABLE IF NOT EXISTS executor_aliases (
    alias VARCHAR PRIMARY KEY,       -- an executor's name as seen in exports
    executor_id VARCHAR NOT NULL
);

-- appeal_id is unique, kept so by the loader's merge (etl/write.py: a known item is replaced, never added
-- again), not by a key index: inserting a million appeals with one took 1,4 s more than the rest of the insert.
CREATE TABLE IF NOT EXISTS appeals (
    appeal_id VARCHAR NOT NULL,      -- source:external_id (source:year:external_id where numbers restart yearly), unique
    source VARCHAR NOT NULL,         -- pos | im | letters | custom
    kind VARCHAR NOT NULL,           -- обращение | сообщение | инцидент
    appeal_type VARCHAR,             -- предложение | заявление | жалоба
    external_id VARCHAR NOT NULL,
    received_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP,
    extended BOOLEAN NOT NULL DEFAULT false,
    answered_at TIMESTAMP,
    closed_at TIMESTAMP,
    status VARCHAR NOT NULL,         -- new | in_progress | answered | closed | rejected
    theme VARCHAR NOT NULL,
    subtheme VARCHAR,
    settlement_id VARCHAR,
    address VARCHAR,
    lat DOUBLE,
    lon DOUBLE,
    executor_id VARCHAR,
    result VARCHAR,                  -- решено | разъяснено | отказано
    solvable BOOLEAN,
    rating TINYINT,
    satisfied BOOLEAN,
    is_repeat BOOLEAN NOT NULL DEFAULT false,
    applicant_hash VARCHAR,
    text VARCHAR,
    audience BIGINT,                 -- ИМ: the post's reach («Аудитория»), for information risks
    engagement BIGINT,               -- ИМ: reactions, comments, reposts («Вовлеченность»)
    extra VARCHAR,                   -- the row's columns no profile field maps, as JSON, masked
    source_file VARCHAR,
    source_row INTEGER,
    loaded_at TIMESTAMP NOT NULL,
    CHECK (status IN ('new', 'in_progress', 'answered', 'closed', 'rejected')),
    CHECK (result IS NULL OR result IN ('решено', 'разъяснено', 'отказано')),
    CHECK (rating IS NULL OR rating BETWEEN 1 AND 5)
);

-- Columns added after the first release: a database built by an older version gains them here.
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS audience BIGINT;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS engagement BIGINT;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS extra VARCHAR;
-- Where the theme came from (issue 14): 'export' (the export's own theme or its profile's mapping), 'alias' (the
-- alias list), 'predicted' (from the text, etl/classify.py), 'curator' (confirmed or corrected on the «Загрузка
-- данных» page), null (not determined). theme_confidence: the model's probability of theme_suggestion, the theme
-- the text points to (kept beside «Не определено» when the model was not sure enough).
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS theme_source VARCHAR;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS theme_confidence DOUBLE;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS theme_suggestion VARCHAR;
-- The moment the stored state describes: that of the export whose state of the item won (etl.frames.export_state:
-- the end of its stated day, or its latest event). Breaks a tie of the item's own dates and status between two
-- exports (etl.write._merge_sql); a database of an older version gets it from each file's rows (etl.build).
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS state_at TIMESTAMP;

CREATE TABLE IF NOT EXISTS votes (
    vote_id VARCHAR PRIMARY KEY,
    title VARCHAR NOT NULL,
    theme VARCHAR,
    settlement_id VARCHAR,
    started_at DATE,
    ended_at DATE,
    participants INTEGER,
    source_file VARCHAR,
    loaded_at TIMESTAMP
);

CREATE TABLE IF NOT EXISTS vote_options (
    vote_id VARCHAR NOT NULL,
    option VARCHAR NOT NULL,
    share DOUBLE,
    votes INTEGER,
    PRIMARY KEY (vote_id, option)
);

CREATE TABLE IF NOT EXISTS calendar (
    day DATE PRIMARY KEY,
    is_working_day BOOLEAN NOT NULL,
    hours TINYINT NOT NULL,
    work_idx INTEGER NOT NULL        -- working days from the calendar's start up to this day, inclusive
);

CREATE TABLE IF NOT EXISTS import_log (
    import_id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    file_sha256 VARCHAR,
    source VARCHAR,
    profile VARCHAR,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status VARCHAR NOT NULL,         -- loaded | refused
    message VARCHAR,
    rows_read INTEGER NOT NULL DEFAULT 0,
    loaded INTEGER NOT NULL DEFAULT 0,
    updated INTEGER NOT NULL DEFAULT 0,
    duplicate INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE IF NOT EXISTS import_rejects (
    import_id INTEGER NOT NULL,
    source_row INTEGER NOT NULL,
    reason VARCHAR NOT NULL,
    raw VARCHAR                      -- the source row as JSON, personal data masked
);

-- Facts about the database itself, one row a fact: salt_check = a fingerprint of the applicant-hash salt; demo = 'true' for the demo database (every page says
-- «ДЕМО»); as_of = the date the data describes (YYYY-MM-DD), where the data or its export gives one; schema = the
-- fingerprint of this script when it was last applied (etl.build.upgrade brings an older database up to date).
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);

-- A channel's names, one place for every query (data/reference/sources.csv); an unknown code shows as is.
CREATE OR REPLACE MACRO source_label(s) AS coalesce((SELECT label FROM sources WHERE source = s), s);
CREATE OR REPLACE MACRO source_short(s) AS coalesce((SELECT short_label FROM sources WHERE source = s), s);
CREATE OR REPLACE MACRO source_sort(s) AS coalesce((SELECT sort FROM sources WHERE source = s), 99);

-- A settlement as shown: its name, with its municipality where another settlement has the same name (two
-- villages «Ивановка» in two districts stay two columns, two filter choices, two circles).
CREATE OR REPLACE VIEW settlement_names AS
SELECT settlement_id, municipality,
       CASE WHEN count(*) OVER (PARTITION BY name) > 1 THEN name || ' (' || coalesce(municipality, '—') || ')'
            ELSE name END AS label
FROM settlements;

-- Facts about each appeal that read the calendar or the whole table, stored beside it (issue 13): a query
-- compares numbers instead of joining the calendar three times per row or the repeats table by appeal_id.
-- The ETL writes them after every write (etl.build.refresh_derived) from their one definition each, the
-- views appeal_work_days_live and appeal_repeats_live below; tests/test_derived.py holds them equal.
-- received_widx / due_widx / answered_widx: calendar.work_idx of the day of receipt / of the due date / of
-- the answer (NULL without that date or outside the calendar); same_problem: see appeal_repeats_live.
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS received_widx INTEGER;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS due_widx INTEGER;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS answered_widx INTEGER;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS same_problem BOOLEAN;

-- row_id: the appeal's rowid, so refresh_derived compares and writes without a join by appeal_id.
CREATE OR REPLACE VIEW appeal_work_days_live AS
SELECT a.rowid AS row_id, a.appeal_id,
       cr.work_idx AS received_widx, cd.work_idx AS due_widx, ca.work_idx AS answered_widx
FROM appeals a
LEFT JOIN calendar cr ON cr.day = CAST(a.received_at AS DATE)
LEFT JOIN calendar cd ON cd.day = CAST(a.due_at AS DATE)
LEFT JOIN calendar ca ON ca.day = CAST(a.answered_at AS DATE);

-- The same calendar.work_idx of moment t's day, looked up by the day's place in the calendar: `days` is the
-- calendar's work_idx in order of day from `first_day` (its days are consecutive, etl.calendar). The ETL's insert
-- takes the day indexes this way, a lookup in place that keeps the rows in the order they come in, where a join
-- with the calendar mixed them (and row groups then spanned years); tests/test_derived.py holds it equal to the view.
CREATE OR REPLACE MACRO work_idx_in(days, first_day, t) AS
    CASE WHEN CAST(t AS DATE) >= first_day THEN days[date_diff('day', first_day, CAST(t AS DATE)) + 1] END;

-- Derived, as-of-independent columns every query shares.
CREATE OR REPLACE VIEW appeals_x AS
SELECT
    a.*,
    CAST(a.received_at AS DATE) AS received_day,
    date_trunc('month', a.received_at)::DATE AS received_month,
    a.answered_at IS NOT NULL AS is_answered,
    a.answered_at > a.due_at AS answered_late,
    -- a moderation refusal: no deadline (is_overdue, appeals_due). appeals_at leaves it as is: the status it
    -- masks as of a day is 'rejected' exactly when the stored one is, so pages test this flag, not the string.
    a.status = 'rejected' AS rejected,
    date_diff('minute', a.received_at, a.answered_at) / 1440.0 AS response_days,
    -- working days after the day of receipt up to the day of the answer
    a.answered_widx - a.received_widx AS response_work_days,
    -- a repeat appeal (DESIGN.md §4, appeal_repeats)
    a.is_repeat OR coalesce(a.same_problem, false) AS repeated
FROM appeals a;

-- The filtered fact set: every page filter is a bound value; NULL means "all".
-- A municipality is a territory level above the settlement (settlements.municipality): an appeal belongs to
-- its settlement's municipality; one without a settlement belongs to none.
CREATE OR REPLACE MACRO appeals_in(date_from, date_to, sources, themes, settlements, executors, municipalities) AS TABLE
SELECT *
FROM appeals_x
-- The day range as a range of received_at (the same rows as received_day BETWEEN): the scan filters it itself.
WHERE received_at >= CAST(date_from AS DATE) AND received_at < CAST(date_to AS DATE) + 1
  AND (sources IS NULL OR list_contains(sources, source))
  AND (themes IS NULL OR list_contains(themes, theme))
  AND (settlements IS NULL OR list_contains(settlements, settlement_id))
  AND (executors IS NULL OR list_contains(executors, executor_id))
  AND (municipalities IS NULL OR settlement_id IN (SELECT settlement_id FROM settlements
                                                   WHERE list_contains(municipalities, municipality)));

-- Overdue (DESIGN.md §4) as of the end of day `as_of`: answered after due_at, or unanswered past it.
-- Rejected items (moderation refusals) carry no deadline; an unknown due date is never overdue.
-- (`x IS TRUE` is coalesce(x, false): the cheaper form at 10 M rows.)
CREATE OR REPLACE MACRO is_overdue(rejected, answered_at, due_at, as_of) AS
    NOT rejected AND (coalesce(answered_at, CAST(as_of AS DATE) + 1) > due_at) IS TRUE;

-- The filtered fact set as it stood at the end of day `as_of`: an answer given later is not known yet,
-- so the item is still open then. A period is compared with the previous one each as of its own last
-- day (monitoring pages); with `as_of` = the newest received day nothing is masked in practice.
CREATE OR REPLACE MACRO appeals_at(date_from, date_to, sources, themes, settlements, executors, municipalities,
                                   as_of) AS TABLE
SELECT * EXCLUDE (known) REPLACE (
    CASE WHEN known THEN answered_at END AS answered_at,
    CASE WHEN known THEN answered_widx END AS answered_widx,
    CASE WHEN closed_at < CAST(as_of AS DATE) + 1 THEN closed_at END AS closed_at,
    CASE WHEN status = 'rejected' THEN status
         WHEN NOT known THEN 'in_progress'
         WHEN status = 'closed' AND NOT coalesce(closed_at < CAST(as_of AS DATE) + 1, true) THEN 'answered'
         ELSE status END AS status,
    CASE WHEN known THEN result END AS result,
    CASE WHEN known THEN rating END AS rating,
    CASE WHEN known THEN satisfied END AS satisfied,
    is_answered AND known AS is_answered,
    CASE WHEN known THEN answered_late END AS answered_late,
    CASE WHEN known THEN response_days END AS response_days,
    CASE WHEN known THEN response_work_days END AS response_work_days
)
FROM (
    SELECT *, coalesce(answered_at < CAST(as_of AS DATE) + 1, true) AS known
    FROM appeals_in(date_from, date_to, sources, themes, settlements, executors, municipalities)
    WHERE received_at < CAST(as_of AS DATE) + 1
);

-- Working minutes from the calendar's first working day up to the moment t, counting only the working
-- window of each working day (deadlines.toml: start hour, hours a day). The difference of two values is
-- the working time between two moments (the ИМ response in working hours). Takes t's calendar row.
CREATE OR REPLACE MACRO work_minutes(t, is_working_day, work_idx, start_hour, day_hours) AS
    (work_idx - is_working_day::INTEGER) * day_hours * 60
    + CASE WHEN is_working_day
           THEN least(greatest(date_diff('minute', date_trunc('day', t) + to_hours(start_hour), t), 0), day_hours * 60)
           ELSE 0 END;

-- Repeat appeals (DESIGN.md §4): flagged by the source (is_repeat), or the same problem raised again
-- within 90 days: the same settlement and subtheme and, when the appeal gives an address, the same
-- address (case and spaces ignored). Earlier appeals count from every channel and from before any period.
-- This view computes it over the whole table; the ETL stores its result in appeals.same_problem on every
-- write (etl.build.refresh_derived), so pages read a column instead of re-running the windows.
-- appeal_repeats_since(since) computes it for the appeals received from `since` on (NULL: all of them), with
-- each row's rowid and what is stored beside it, so refresh_derived finds what changed in the same pass and
-- needs only the recent part of the table after a daily load: an appeal's fact depends only on the appeal
-- before it in its group, and one more than 90 days earlier counts as none. `until` (NULL: no end) leaves out
-- the appeals received from then on: the window only looks back, so the rows before it are computed the same.
-- repeat_basis / repeat_received_at
-- (stored with it) are what it was computed from; a row whose inputs differ from them has changed.
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS repeat_basis UBIGINT;
ALTER TABLE appeals ADD COLUMN IF NOT EXISTS repeat_received_at TIMESTAMP;
CREATE OR REPLACE MACRO repeat_basis_of(settlement_id, subtheme, address) AS
    hash(settlement_id, subtheme, nullif(lower(trim(address)), ''));

CREATE OR REPLACE MACRO appeal_repeats_since(since, until := NULL) AS TABLE
WITH keyed AS (
    SELECT rowid AS row_id, appeal_id, is_repeat, settlement_id, subtheme, received_at,
           nullif(lower(trim(address)), '') AS addr, repeat_basis_of(settlement_id, subtheme, address) AS basis,
           same_problem AS stored_same_problem, repeat_basis AS stored_basis, repeat_received_at AS stored_received_at
    FROM appeals
    WHERE (since IS NULL OR received_at >= since) AND (until IS NULL OR received_at < until)
), prior AS (
    SELECT *,
        lag(received_at) OVER (PARTITION BY settlement_id, subtheme ORDER BY received_at, appeal_id) AS prev_any,
        lag(received_at) OVER (PARTITION BY settlement_id, subtheme, addr ORDER BY received_at, appeal_id) AS prev_addr
    FROM keyed
)
SELECT row_id, appeal_id, received_at, basis,
       is_repeat AS flagged,
       settlement_id IS NOT NULL AND subtheme IS NOT NULL
           AND coalesce(date_diff('day', CAST(CASE WHEN addr IS NULL THEN prev_any ELSE prev_addr END AS DATE),
                                  CAST(received_at AS DATE)) <= 90, false) AS same_problem,
       stored_same_problem, stored_basis, stored_received_at
FROM prior;

CREATE OR REPLACE VIEW appeal_repeats_live AS
SELECT appeal_id, flagged, same_problem, flagged OR same_problem AS repeated
FROM appeal_repeats_since(NULL);

-- The stored repeats, in the shape of appeal_repeats_live (a table before issue 13).
CREATE OR REPLACE VIEW appeal_repeats AS
SELECT appeal_id, is_repeat AS flagged, coalesce(same_problem, false) AS same_problem, repeated
FROM appeals_x;

-- Deadline state of the filtered set as of the end of day `as_of` (DESIGN.md §4–5), for the monitoring
-- pages. Open: no answer yet and not rejected (the same test as is_overdue). At risk: open, not overdue
-- yet, and due within the next 2 working days after as_of (calendar.work_idx; a due date on a day off
-- counts as the working day before it). Decided: answered, or overdue without an answer; on-time share
-- = on_time / decided. Days overdue and days left are working days; age is calendar days since receipt.
CREATE OR REPLACE MACRO appeals_due(date_from, date_to, sources, themes, settlements, executors, municipalities,
                                    as_of) AS TABLE
SELECT * EXCLUDE (as_of_widx),
    overdue AND answered_at IS NULL AS overdue_open,
    on_time OR overdue AS decided,
    is_open AND NOT overdue AND (due_widx <= as_of_widx + 2) IS TRUE AS at_risk,
    CASE WHEN overdue THEN greatest(coalesce(answered_widx, as_of_widx) - due_widx, 0) END AS overdue_work_days,
    CASE WHEN is_open AND NOT overdue THEN due_widx - as_of_widx END AS work_days_left,
    date_diff('day', received_day, CAST(as_of AS DATE)) AS age_days
FROM (
    -- The flags read from the row, one SELECT below the ones built from them: DuckDB repeats an expression in
    -- every later column of the same SELECT that names it (a quarter of the time at 10 M rows). as_of_widx:
    -- calendar.work_idx of as_of (a scalar subquery: cheaper than a join repeated on every row).
    SELECT a.* EXCLUDE (answered_late),
        (SELECT work_idx FROM calendar WHERE day = CAST(as_of AS DATE)) AS as_of_widx,
        NOT a.rejected AND a.answered_at IS NULL AS is_open,
        is_overdue(a.rejected, a.answered_at, a.due_at, as_of) AS overdue,
        NOT a.rejected AND (a.answered_at > a.due_at) IS TRUE AS answered_late,
        NOT a.rejected AND (a.answered_at <= a.due_at) IS TRUE AS on_time
    FROM appeals_at(date_from, date_to, sources, themes, settlements, executors, municipalities, as_of) a
);

-- The period and the previous one of equal length, each as of its own last day, as rows labelled
-- period = 'current' | 'previous': the comparison every KPI query makes (appeals_at / appeals_due).
CREATE OR REPLACE MACRO periods_at(date_from, date_to, prev_from, prev_to, sources, themes, settlements, executors,
                                   municipalities, as_of) AS TABLE
SELECT 'current' AS period, *
FROM appeals_at(date_from, date_to, sources, themes, settlements, executors, municipalities, as_of)
UNION ALL
SELECT 'previous' AS period, *
FROM appeals_at(prev_from, prev_to, sources, themes, settlements, executors, municipalities, prev_to);

CREATE OR REPLACE MACRO periods_due(date_from, date_to, prev_from, prev_to, sources, themes, settlements,
                                    executors, municipalities, as_of) AS TABLE
SELECT 'current' AS period, *
FROM appeals_due(date_from, date_to, sources, themes, settlements, executors, municipalities, as_of)
UNION ALL
SELECT 'previous' AS period, *
FROM appeals_due(prev_from, prev_to, sources, themes, settlements, executors, municipalities, prev_to);

-- Values an export gave that the reference does not know (DESIGN.md §3): the curator's review list. A record
-- carrying such a value is loaded and counted at once, with its settlement_id / executor_id NULL or its theme
-- «Не определено», until the curator maps the value (or accepts it as a new reference entry) on the
-- «Загрузка данных» page (etl/review.py).
CREATE TABLE IF NOT EXISTS unmatched_values (
    dim VARCHAR NOT NULL,            -- settlement | executor | theme
    value VARCHAR NOT NULL,          -- as the export wrote it (a theme: the category, else the subtheme)
    source VARCHAR,                  -- the channels whose records still wait for it, comma-separated
    rows INTEGER NOT NULL DEFAULT 0, -- records still waiting for it
    first_seen TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    status VARCHAR NOT NULL,         -- pending | mapped | accepted (a new reference entry)
    suggestion VARCHAR,              -- the nearest reference entry (id or theme), preselected for the curator
    context VARCHAR,                 -- what the export gave beside it: municipality, parent executor
    mapped_to VARCHAR,               -- the curator's choice (id or theme)
    PRIMARY KEY (dim, value),
    CHECK (status IN ('pending', 'mapped', 'accepted'))
);

-- Which record waits for which value: what a later mapping is applied to, in one join, with no reload.
CREATE TABLE IF NOT EXISTS unmatched_rows (
    record_table VARCHAR NOT NULL,   -- appeals | votes
    record_id VARCHAR NOT NULL,      -- appeal_id | vote_id
    dim VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    source VARCHAR,
    PRIMARY KEY (record_table, record_id, dim)
);
