-- Problem points (DESIGN.md §4; seed 004, 1.1.5 е): the ranked (settlement × theme) cells — or
-- (settlement × subtheme) cells with $level = 'subtheme' — whose load in the period is abnormally high.
-- The one list the page, the meeting screen and the weekly note show. Settings: data/reference/problem_points.toml.
--
-- Periods: k = 0 is the chosen period, k = 1 the previous one of equal length, … up to $periods − 1.
-- For every cell and period two expectations λ are tried, each with a Poisson test:
--   territory: the settlement's population × the topic's appeals per resident over the whole territory in
--              that period (settlements with a known population; the settlement filter does not narrow it);
--   history:   the larger of the count on the same dates a year earlier and the average level of the
--              $history_days before the period scaled to its length, floored at $min_expected (an empty
--              history is not a zero expectation); a window the data does not reach is not used, a partly
--              covered trailing window is scaled by the days it covers (at least one period's length).
-- Poisson upper tail P(X ≥ n | λ), exact in double precision: for n > λ the sum of the terms from n up,
-- in logs (t_i = −λ + i·ln λ − ln i!; the terms fall faster than geometrically past n, 50 + 10·√λ of them
-- are enough), so p = 10⁻⁴⁰ does not underflow to 0; for n ≤ λ, 1 − the sum of the terms below n.
-- A cell is hot in a period when it has ≥ $min_count appeals, and for one of the expectations p < $p_value
-- and n ≥ $min_ratio·λ. The list: hot cells of the period (within every filter), ranked by a score 0–100 =
-- 100 × Σ w·c / Σ w over the components c (0–1) the cell has:
--   excess       = min(1, −log10 p / $surprise_cap), the stronger of the two tests;
--   growth       = log(g) / log($growth_cap) clamped to 0–1, g = the larger of n / previous period and
--                  n / the same period a year earlier (a zero before counts as 1);
--   persistence  = hot periods in a row, the current one first, / $periods;
--   repeat       = repeated / appeals (appeal_repeats);
--   dissatisfied = not satisfied / rated, from $min_base ratings;
--   overdue      = overdue as of $as_of / appeals with a deadline, from $min_base such appeals.
-- rank(): equal scores share a place; the order within a place is by count, settlement and topic.
-- Appeals with no settlement point nowhere and are left out (of the territory's rate, too); at the subtheme
-- level, appeals with no subtheme are left out (they count at the theme level). At the theme level appeals
-- with no theme («Не определено») are left out too: no vote can be put on «no theme», and a cell of them only
-- says that an export came without themes (their similar texts are grouped on the «Новые проблемы» tab). At
-- the subtheme level an export's category no list maps to a theme yet has a name, and stays.
WITH params AS (
    SELECT CAST($date_from AS DATE) AS d_from, CAST($date_to AS DATE) AS d_to,
           date_diff('day', CAST($date_from AS DATE), CAST($date_to AS DATE)) + 1 AS len,
           (SELECT CAST(min(received_at) AS DATE) FROM appeals) AS first_day
), periods AS (
    SELECT r.k, p.d_from - CAST(r.k * p.len AS INTEGER) AS p_from, p.d_to - CAST(r.k * p.len AS INTEGER) AS p_to,
           p.len, p.first_day
    FROM params p, range(0, $periods) r(k)
), periods_x AS (
    SELECT *, CAST(p_from - INTERVAL 1 YEAR AS DATE) AS y_from, CAST(p_to - INTERVAL 1 YEAR AS DATE) AS y_to,
           greatest(p_from - CAST($history_days AS INTEGER), first_day) AS h_from
    FROM periods
), facts AS (
    -- Every settlement, for the territory's rate; the settlement filter applies to the list at the end. Read
    -- from the table itself (the filters of appeals_in): two years of history need no calendar columns.
    SELECT CAST(received_at AS DATE) AS day, settlement_id, theme,
           CASE WHEN $level = 'subtheme' THEN subtheme
                WHEN $level = 'theme' THEN theme
                ELSE error('problem_points: $level is theme or subtheme, not ' || $level) END AS topic
    FROM appeals
    WHERE received_at >= CAST($date_from AS DATE) - CAST(($periods - 1) * (SELECT len FROM params)
                                                         + greatest($history_days, 366) AS INTEGER)
      AND received_at < CAST($date_to AS DATE) + 1
      AND settlement_id IS NOT NULL
      AND ($level = 'subtheme' OR theme <> 'Не определено')
      AND ($sources IS NULL OR list_contains($sources, source))
      AND ($themes IS NULL OR list_contains($themes, theme))
      AND ($executors IS NULL OR list_contains($executors, executor_id))
), daily AS (
    SELECT settlement_id, theme, topic, day, count(*) AS n
    FROM facts WHERE topic IS NOT NULL
    GROUP BY ALL
), windows AS MATERIALIZED (
    SELECT d.settlement_id, d.theme, d.topic, p.k, any_value(p.len) AS len,
           CAST(coalesce(sum(d.n) FILTER (WHERE d.day BETWEEN p.p_from AND p.p_to), 0) AS BIGINT) AS n,
           CASE WHEN any_value(p.y_from) >= any_value(p.first_day)
                THEN CAST(coalesce(sum(d.n) FILTER (WHERE d.day BETWEEN p.y_from AND p.y_to), 0) AS BIGINT) END AS year_ago,
           CASE WHEN any_value(p.p_from - p.h_from) >= any_value(p.len)
                THEN coalesce(sum(d.n) FILTER (WHERE d.day >= p.h_from AND d.day < p.p_from), 0)
                     * any_value(p.len) / any_value(p.p_from - p.h_from) END AS trailing
    FROM daily d
    JOIN periods_x p ON d.day BETWEEN least(p.y_from, p.p_from - CAST($history_days AS INTEGER)) AND p.p_to
    GROUP BY d.settlement_id, d.theme, d.topic, p.k
), territory AS (
    SELECT w.theme, w.topic, w.k, sum(w.n) / any_value(pop.total) AS per_resident
    FROM windows w
    JOIN settlements s USING (settlement_id)
    CROSS JOIN (SELECT sum(population) AS total FROM settlements WHERE population > 0) pop
    WHERE s.population > 0
    GROUP BY w.theme, w.topic, w.k
), expectations AS (
    SELECT w.*, s.population,
           CASE WHEN s.population > 0 THEN s.population * t.per_resident END AS lam_territory,
           CASE WHEN w.year_ago IS NOT NULL OR w.trailing IS NOT NULL
                THEN greatest(w.year_ago, w.trailing, $min_expected) END AS lam_history
    FROM windows w
    JOIN settlements s USING (settlement_id)
    LEFT JOIN territory t USING (theme, topic, k)
), tests AS (
    SELECT settlement_id, theme, topic, k, n, 'territory' AS base, lam_territory AS lam FROM expectations
    WHERE lam_territory > 0 AND n > 0
    UNION ALL
    SELECT settlement_id, theme, topic, k, n, 'history', lam_history FROM expectations
    WHERE lam_history > 0 AND n > 0
), tails AS MATERIALIZED (
    SELECT *, CAST(ceil(50 + 10 * sqrt(lam)) AS BIGINT) AS m,
        CASE WHEN n > lam
             THEN (-lam + n * ln(lam) - lgamma(n + 1))
                  + ln(list_sum(list_transform(range(0, m),
                           lambda j: exp(j * ln(lam) - lgamma(n + j + 1) + lgamma(n + 1)))))
             ELSE ln(greatest(1 - coalesce(list_sum(list_transform(range(greatest(0, n - m), n),
                           lambda i: exp(-lam + i * ln(lam) - lgamma(i + 1)))), 0), 1e-300))
        END AS ln_p
    FROM tests
), judged AS MATERIALIZED (
    SELECT e.*,
        tt.ln_p AS ln_p_territory, th.ln_p AS ln_p_history,
        e.n >= $min_count AND (
            coalesce(tt.ln_p < ln($p_value) AND e.n >= $min_ratio * e.lam_territory, false)
            OR coalesce(th.ln_p < ln($p_value) AND e.n >= $min_ratio * e.lam_history, false)) AS hot
    FROM expectations e
    LEFT JOIN tails tt ON tt.base = 'territory' AND tt.settlement_id = e.settlement_id AND tt.theme = e.theme AND tt.topic = e.topic AND tt.k = e.k
    LEFT JOIN tails th ON th.base = 'history' AND th.settlement_id = e.settlement_id AND th.theme = e.theme AND th.topic = e.topic AND th.k = e.k
), streaks AS (
    -- Hot periods in a row, the current one first; a period with no row had no appeals: not hot.
    SELECT c.settlement_id, c.theme, c.topic,
           coalesce(min(p.k) FILTER (WHERE NOT coalesce(j.hot, false)), $periods) AS streak
    FROM judged c
    CROSS JOIN periods p
    LEFT JOIN judged j ON j.settlement_id = c.settlement_id AND j.theme = c.theme AND j.topic = c.topic AND j.k = p.k
    WHERE c.k = 0 AND c.hot
    GROUP BY ALL
), now AS MATERIALIZED (
    -- The period's own appeals as of $as_of, within every filter: shares, the executor responsible.
    SELECT a.settlement_id, a.theme, CASE WHEN $level = 'subtheme' THEN a.subtheme ELSE a.theme END AS topic,
           a.executor_id, a.overdue, a.due_at IS NOT NULL AND NOT a.rejected AS with_deadline,
           a.satisfied, a.repeated
    FROM appeals_due($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities, $as_of) a
), shares AS (
    SELECT settlement_id, theme, topic,
           count(*) FILTER (WHERE repeated) AS repeats,
           count(satisfied) AS rated,
           count(*) FILTER (WHERE satisfied) AS satisfied,
           count(*) FILTER (WHERE with_deadline) AS with_deadline,
           count(*) FILTER (WHERE overdue) AS overdue
    FROM now GROUP BY ALL
), responsible AS (
    SELECT settlement_id, theme, topic, executor_id,
           row_number() OVER (PARTITION BY settlement_id, theme, topic ORDER BY count(*) DESC, executor_id) AS pos
    FROM now WHERE executor_id IS NOT NULL
    GROUP BY settlement_id, theme, topic, executor_id
), prev AS (
    SELECT settlement_id, theme, topic, n FROM judged WHERE k = 1
), months AS (
    SELECT CAST(m AS DATE) AS month
    FROM generate_series(date_trunc('month', CAST($date_to AS DATE)) - INTERVAL 11 MONTH,
                         date_trunc('month', CAST($date_to AS DATE)), INTERVAL 1 MONTH) g(m)
), monthly AS (
    SELECT c.settlement_id, c.theme, c.topic,
           list(coalesce(d.n, 0) ORDER BY mo.month) AS monthly
    FROM streaks c
    CROSS JOIN months mo
    LEFT JOIN (SELECT settlement_id, theme, topic, date_trunc('month', day) AS month, sum(n) AS n
               FROM daily GROUP BY ALL) d
           ON d.settlement_id = c.settlement_id AND d.theme = c.theme AND d.topic = c.topic AND d.month = mo.month
    GROUP BY ALL
), vote AS (
    -- The latest vote on the settlement and theme held before the end of the period.
    -- Decided: every option has its share (votes_effect's rule for naming a winner).
    SELECT v.*, row_number() OVER (PARTITION BY v.settlement_id, v.theme ORDER BY v.started_at DESC, v.vote_id) AS pos,
           coalesce((SELECT NOT bool_or(o.share IS NULL) FROM vote_options o WHERE o.vote_id = v.vote_id), false) AS decided
    FROM votes v
    WHERE v.started_at <= CAST($date_to AS DATE)
), scored AS (
    SELECT j.*, st.streak, sh.repeats, sh.rated, sh.satisfied, sh.with_deadline, sh.overdue, pv.n AS prev_appeals,
        least(1, greatest(-coalesce(j.ln_p_territory, 0), -coalesce(j.ln_p_history, 0)) / ln(10) / $surprise_cap) AS c_excess,
        CASE WHEN j.has_previous OR j.year_ago IS NOT NULL THEN
            least(1, greatest(0, ln(greatest(
                CASE WHEN j.has_previous THEN j.n / greatest(coalesce(pv.n, 0), 1) END,
                j.n / greatest(j.year_ago, 1))) / ln($growth_cap))) END AS c_growth,
        st.streak / $periods AS c_persistence,
        sh.repeats / j.n AS c_repeat,
        CASE WHEN sh.rated >= $min_base THEN 1 - sh.satisfied / sh.rated END AS c_dissatisfied,
        CASE WHEN sh.with_deadline >= $min_base THEN sh.overdue / sh.with_deadline END AS c_overdue
    FROM (SELECT judged.*, p1.p_from >= p1.first_day AS has_previous FROM judged, periods p1 WHERE p1.k = 1) j
    JOIN streaks st USING (settlement_id, theme, topic)
    JOIN shares sh USING (settlement_id, theme, topic)
    LEFT JOIN prev pv USING (settlement_id, theme, topic)
    WHERE j.k = 0 AND ($settlements IS NULL OR list_contains($settlements, j.settlement_id))
), ranked AS (
    SELECT *,
        100 * ($w_excess * c_excess + coalesce($w_growth * c_growth, 0) + $w_persistence * c_persistence
               + $w_repeat * c_repeat + coalesce($w_dissatisfied * c_dissatisfied, 0)
               + coalesce($w_overdue * c_overdue, 0))
            / ($w_excess + $w_growth * (c_growth IS NOT NULL)::INTEGER + $w_persistence + $w_repeat
               + $w_dissatisfied * (c_dissatisfied IS NOT NULL)::INTEGER
               + $w_overdue * (c_overdue IS NOT NULL)::INTEGER) AS score
    FROM scored
)
SELECT
    rank() OVER (ORDER BY round(r.score, 1) DESC) AS rank,
    r.settlement_id,
    s.name AS settlement,
    s.kind AS settlement_kind,
    r.theme,
    r.topic,
    r.population,
    r.n AS appeals,
    r.lam_territory AS expected_territory,
    exp(r.ln_p_territory) AS p_territory,
    r.lam_history AS expected_history,
    exp(r.ln_p_history) AS p_history,
    r.year_ago,
    CASE WHEN r.has_previous THEN coalesce(r.prev_appeals, 0) END AS prev_appeals,
    r.streak,
    r.repeats,
    r.repeats / r.n AS repeat_share,
    r.rated,
    r.satisfied,
    r.satisfied / nullif(r.rated, 0) AS satisfied_share,
    r.with_deadline,
    r.overdue,
    r.overdue / nullif(r.with_deadline, 0) AS overdue_share,
    ex.executor_id,
    e.name AS executor,
    v.vote_id,
    v.title AS vote_title,
    v.started_at AS vote_started,
    v.ended_at AS vote_ended,
    v.participants AS vote_participants,
    coalesce(v.ended_at >= CAST($date_to AS DATE) - CAST($recent_days AS INTEGER), false) AS vote_recent,
    -- Still running on the state date (a past period: on its last day): its results are not known yet.
    coalesce(v.ended_at > CAST($as_of AS DATE), false) AS vote_running,
    coalesce(v.decided, false) AS vote_decided,
    round(r.score, 1) AS score,
    r.c_excess, r.c_growth, r.c_persistence, r.c_repeat, r.c_dissatisfied, r.c_overdue,
    mo.monthly
FROM ranked r
JOIN settlements s USING (settlement_id)
LEFT JOIN responsible ex ON ex.settlement_id = r.settlement_id AND ex.theme = r.theme AND ex.topic = r.topic AND ex.pos = 1
LEFT JOIN executors e ON e.executor_id = ex.executor_id
LEFT JOIN vote v ON v.settlement_id = r.settlement_id AND v.theme = r.theme AND v.pos = 1
LEFT JOIN monthly mo ON mo.settlement_id = r.settlement_id AND mo.theme = r.theme AND mo.topic = r.topic
ORDER BY rank, r.n DESC, s.name, r.topic
