-- The canonical model (DESIGN.md §3). Every table the product uses is created here, once.
-- Table and column names are a contract: tests, queries and outside tools rely on them.

CREATE TABLE themes (
    theme VARCHAR PRIMARY KEY,
    block VARCHAR NOT NULL,          -- отраслевой блок
    sort INTEGER NOT NULL
);

CREATE TABLE theme_aliases (
    alias VARCHAR PRIMARY KEY,       -- source category / subtheme, normalised
    theme VARCHAR NOT NULL
);

CREATE TABLE settlements (
    settlement_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    kind VARCHAR,                    -- город / село / деревня / посёлок
    municipality VARCHAR,
    oktmo VARCHAR,
    lat DOUBLE,
    lon DOUBLE,
    population INTEGER
);

CREATE TABLE settlement_aliases (
    alias VARCHAR PRIMARY KEY,       -- a spelling seen in exports, normalised
    settlement_id VARCHAR NOT NULL
);

CREATE TABLE executors (
    executor_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    parent VARCHAR
);

CREATE TABLE appeals (
    appeal_id VARCHAR PRIMARY KEY,   -- source:external_id
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
    source_file VARCHAR,
    source_row INTEGER,
    loaded_at TIMESTAMP NOT NULL,
    CHECK (status IN ('new', 'in_progress', 'answered', 'closed', 'rejected')),
    CHECK (result IS NULL OR result IN ('решено', 'разъяснено', 'отказано')),
    CHECK (rating IS NULL OR rating BETWEEN 1 AND 5)
);

CREATE TABLE votes (
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

CREATE TABLE vote_options (
    vote_id VARCHAR NOT NULL,
    option VARCHAR NOT NULL,
    share DOUBLE,
    votes INTEGER,
    PRIMARY KEY (vote_id, option)
);

CREATE TABLE calendar (
    day DATE PRIMARY KEY,
    is_working_day BOOLEAN NOT NULL,
    hours TINYINT NOT NULL,
    work_idx INTEGER NOT NULL        -- working days from the calendar's start up to this day, inclusive
);

CREATE TABLE import_log (
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

CREATE TABLE import_rejects (
    import_id INTEGER NOT NULL,
    source_row INTEGER NOT NULL,
    reason VARCHAR NOT NULL,
    raw VARCHAR                      -- the source row as JSON, personal data masked
);

-- Derived, as-of-independent columns every query shares.
CREATE VIEW appeals_x AS
SELECT
    a.*,
    CAST(a.received_at AS DATE) AS received_day,
    date_trunc('month', a.received_at)::DATE AS received_month,
    a.answered_at IS NOT NULL AS is_answered,
    a.answered_at > a.due_at AS answered_late,
    date_diff('minute', a.received_at, a.answered_at) / 1440.0 AS response_days,
    -- working days after the day of receipt up to the day of the answer
    cr.work_idx AS received_work_idx,
    ca.work_idx - cr.work_idx AS response_work_days
FROM appeals a
LEFT JOIN calendar cr ON cr.day = CAST(a.received_at AS DATE)
LEFT JOIN calendar ca ON ca.day = CAST(a.answered_at AS DATE);

-- The filtered fact set: every page filter is a bound value; NULL means "all".
CREATE MACRO appeals_in(date_from, date_to, sources, themes, settlements, executors) AS TABLE
SELECT *
FROM appeals_x
WHERE received_day BETWEEN date_from AND date_to
  AND (sources IS NULL OR list_contains(sources, source))
  AND (themes IS NULL OR list_contains(themes, theme))
  AND (settlements IS NULL OR list_contains(settlements, settlement_id))
  AND (executors IS NULL OR list_contains(executors, executor_id));

-- Overdue (DESIGN.md §4) as of the end of day `as_of`: answered after due_at, or unanswered past it.
-- Rejected items (moderation refusals) carry no deadline; an unknown due date is never overdue.
CREATE MACRO is_overdue(status, answered_at, due_at, as_of) AS
    coalesce(status <> 'rejected'
             AND (answered_at > due_at OR (answered_at IS NULL AND CAST(as_of AS DATE) + 1 > due_at)), false);
