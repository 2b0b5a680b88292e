-- browse all (lowest rate first)
-- The page of 20 with the total and the three facet counts (family, institution, district), in one
-- statement. Each row: total | id | whether the facets were counted.
WITH matched AS (
    SELECT id, family, institution_id, yearly_rate_ppm, amount_max_fen, decision_days, 0 AS score
    FROM bench_listed
    WHERE true
), facets AS (
    SELECT (SELECT json_object_agg(family, n) FROM (SELECT family, count(*) AS n FROM matched GROUP BY family) f) AS families,
           (SELECT json_object_agg(institution_id, n)
              FROM (SELECT institution_id, count(*) AS n FROM matched GROUP BY institution_id) i) AS institutions,
           (SELECT json_object_agg(district, n)
              FROM (SELECT d.district, count(*) AS n FROM matched m JOIN product_district d ON d.product_id = m.id
                    GROUP BY d.district) d) AS districts
)
SELECT (SELECT count(*) FROM matched) AS total, m.id, f.families IS NOT NULL
FROM matched m, facets f
ORDER BY m.yearly_rate_ppm NULLS LAST, m.id
LIMIT 20 OFFSET 0;
