-- Floor of map_density: the query's own aggregate on the bare table, without the filter macro: the period's points
-- counted on a square $grid × $grid grid over the extent of their settlements (widened by a quarter plus 0.05°),
-- points outside it or impossible counted apart (`outside`). The same figures as the query (tests/test_bench.py).
WITH scoped AS NOT MATERIALIZED (
    SELECT settlement_id, lat, lon
    FROM appeals
    WHERE received_at >= $date_from AND received_at < $date_to + 1
), located AS (
    SELECT lat, lon,
           lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180 AND NOT (lat = 0 AND lon = 0) AS plausible
    FROM scoped
    WHERE lat IS NOT NULL AND lon IS NOT NULL
), places AS (
    SELECT lat, lon FROM settlements
    WHERE lat IS NOT NULL AND lon IS NOT NULL AND settlement_id IN (SELECT DISTINCT settlement_id FROM scoped)
), extent AS (
    SELECT min(lat) AS lat_lo, max(lat) AS lat_hi, min(lon) AS lon_lo, max(lon) AS lon_hi
    FROM (SELECT lat, lon FROM places
          UNION ALL
          SELECT lat, lon FROM located WHERE plausible AND NOT EXISTS (SELECT 1 FROM places))
), box AS (
    SELECT lat_lo - (lat_hi - lat_lo) / 4 - 0.05 AS lat0, lat_hi + (lat_hi - lat_lo) / 4 + 0.05 AS lat1,
           lon_lo - (lon_hi - lon_lo) / 4 - 0.05 AS lon0, lon_hi + (lon_hi - lon_lo) / 4 + 0.05 AS lon1,
           cos(radians((lat_lo + lat_hi) / 2)) AS k
    FROM extent
), grid AS (
    SELECT lat0, lon0, lat1, lon1,
           greatest(lat1 - lat0, (lon1 - lon0) * k) / $grid AS cell_lat,
           greatest(lat1 - lat0, (lon1 - lon0) * k) / $grid / k AS cell_lon
    FROM box
), binned AS (
    -- One pass over the points: a drawn point gets its cell, any other the cell (NULL, NULL), which counts
    -- them for `outside` (no second scan to count the points).
    SELECT CASE WHEN inside THEN least(floor((lat - lat0) / cell_lat), $grid - 1) END AS i,
           CASE WHEN inside THEN least(floor((lon - lon0) / cell_lon), $grid - 1) END AS j,
           count(*) AS appeals
    FROM (SELECT l.lat, l.lon, g.lat0, g.lon0, g.cell_lat, g.cell_lon,
                 coalesce(l.plausible AND l.lat BETWEEN g.lat0 AND g.lat1 AND l.lon BETWEEN g.lon0 AND g.lon1, false)
                     AS inside
          FROM located l, grid g)
    GROUP BY i, j
), cells AS (
    SELECT i, j, g.lat0, g.lon0, g.cell_lat, g.cell_lon, b.appeals
    FROM binned b, grid g
    WHERE b.i IS NOT NULL
)
SELECT lat0 + (i + 0.5) * cell_lat AS lat,
       lon0 + (j + 0.5) * cell_lon AS lon,
       cell_lat,
       cell_lon,
       appeals,
       t.points,
       t.points - coalesce(sum(appeals) OVER (), 0)::BIGINT AS outside
FROM (SELECT coalesce(sum(appeals), 0)::BIGINT AS points FROM binned) t
LEFT JOIN cells ON true
ORDER BY appeals DESC, lat, lon
