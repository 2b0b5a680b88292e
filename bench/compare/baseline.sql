-- The baseline's schema: pg_trgm and one table of the listed products (published, valid today) with the
-- text people search (name and description), a trigram index on it, and the columns filters and sorts read.
-- What a team without a search engine would build; rebuilt on every run (a few seconds at 100,000).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
DROP TABLE IF EXISTS bench_listed;
CREATE TABLE bench_listed AS
SELECT id, name, family, more_families, institution_id, collateral, amount_min_fen, amount_max_fen, decision_days,
       -- The yearly rate, in millionths, as the catalogue sorts by it (a monthly rate × 12, a daily one × 360).
       CASE rate_period WHEN 'month' THEN rate_min_ppm * 12 WHEN 'day' THEN rate_min_ppm * 360 ELSE rate_min_ppm END
           AS yearly_rate_ppm,
       name || ' ' || description AS text
FROM product
WHERE state = 'published'
  AND (valid_from IS NULL OR valid_from <= current_date)
  AND (valid_until IS NULL OR valid_until >= current_date);
ALTER TABLE bench_listed ADD PRIMARY KEY (id);
CREATE INDEX bench_listed_text ON bench_listed USING gin (text gin_trgm_ops);
CREATE INDEX bench_listed_family ON bench_listed (family);
CREATE INDEX bench_listed_rate ON bench_listed (yearly_rate_ppm);
ANALYZE bench_listed;
ANALYZE product_district;

-- The matching baseline: the same listed products with what the eligibility checks read, the rules as jsonb
-- (parsed once here, not on every match) and the districts served as an array.
DROP TABLE IF EXISTS bench_match;
CREATE TABLE bench_match AS
SELECT l.id, l.yearly_rate_ppm, p.amount_min_fen, p.amount_max_fen, p.term_min_months, p.term_max_months,
       p.collateral, p.eligibility::jsonb AS rules, coalesce(p.verified_rules, '') <> '' AS requires_verified,
       ARRAY(SELECT d.district FROM product_district d WHERE d.product_id = p.id) AS districts
FROM bench_listed l JOIN product p ON p.id = l.id;
ALTER TABLE bench_match ADD PRIMARY KEY (id);
ANALYZE bench_match;
