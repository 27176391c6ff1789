-- The density layer: the appeals' own coordinates (ПОС and ИМ rows often carry the problem's point) counted
-- on a square grid of at most $grid × $grid cells, so the browser gets a bounded number of points whatever
-- the data size. The grid covers the points' extent: from the 0.1 % to the 99.9 % quantile of latitude and
-- of longitude, widened by a tenth of the span on each side, so one stray point (a geocoder's default, a
-- swapped pair) cannot stretch the grid over half the country; points outside it and impossible
-- coordinates (outside ±90/±180, or 0, 0) are not drawn and are counted in `outside`. Cells are square on
-- the ground: a degree of longitude is cos(latitude) of a degree of latitude. One row per non-empty cell:
-- its centre, its size in degrees and its count; `points` and `outside` repeat on every row.
WITH located AS (
    SELECT lat, lon,
           lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180 AND NOT (lat = 0 AND lon = 0) AS plausible
    FROM appeals_in($date_from, $date_to, $sources, $themes, $settlements, $executors, $municipalities)
    WHERE lat IS NOT NULL AND lon IS NOT NULL
), spread AS (
    SELECT quantile_disc(lat, 0.001) AS lat_lo, quantile_disc(lat, 0.999) AS lat_hi,
           quantile_disc(lon, 0.001) AS lon_lo, quantile_disc(lon, 0.999) AS lon_hi
    FROM located
    WHERE plausible
), box AS (
    SELECT lat_lo - (lat_hi - lat_lo) / 10 AS lat0, lat_hi + (lat_hi - lat_lo) / 10 AS lat1,
           lon_lo - (lon_hi - lon_lo) / 10 AS lon0, lon_hi + (lon_hi - lon_lo) / 10 AS lon1,
           cos(radians((lat_lo + lat_hi) / 2)) AS k
    FROM spread
), grid AS (
    -- a cell of at least 0.001° of latitude (about 100 m): a single point still gets a cell
    SELECT lat0, lon0, lat1, lon1,
           greatest(lat1 - lat0, (lon1 - lon0) * k, 0.001 * $grid) / $grid AS cell_lat,
           greatest(lat1 - lat0, (lon1 - lon0) * k, 0.001 * $grid) / $grid / k AS cell_lon
    FROM box
), cells AS (
    SELECT least(floor((l.lat - g.lat0) / g.cell_lat), $grid - 1) AS i,
           least(floor((l.lon - g.lon0) / g.cell_lon), $grid - 1) AS j,
           any_value(g.lat0) AS lat0, any_value(g.lon0) AS lon0,
           any_value(g.cell_lat) AS cell_lat, any_value(g.cell_lon) AS cell_lon,
           count(*) AS appeals
    FROM located l, grid g
    WHERE l.plausible AND l.lat BETWEEN g.lat0 AND g.lat1 AND l.lon BETWEEN g.lon0 AND g.lon1
    GROUP BY i, j
)
SELECT lat0 + (i + 0.5) * cell_lat AS lat,
       lon0 + (j + 0.5) * cell_lon AS lon,
       cell_lat,
       cell_lon,
       appeals,
       (SELECT count(*) FROM located) AS points,
       (SELECT count(*) FROM located) - (sum(appeals) OVER ())::BIGINT AS outside
FROM cells
ORDER BY appeals DESC, lat, lon
