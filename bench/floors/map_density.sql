-- Floor of map_density: points counted on a fixed 60 × 60 grid over their extent, on the bare table.
WITH p AS (SELECT lat, lon FROM appeals
           WHERE received_at >= $date_from AND received_at < $date_to + 1 AND lat IS NOT NULL AND lon IS NOT NULL),
     b AS (SELECT min(lat) AS a0, max(lat) - min(lat) + 1e-9 AS ad, min(lon) AS o0, max(lon) - min(lon) + 1e-9 AS od FROM p)
SELECT floor((lat - a0) / ad * 60) AS i, floor((lon - o0) / od * 60) AS j, count(*)
FROM p, b GROUP BY ALL
