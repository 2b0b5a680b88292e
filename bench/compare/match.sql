-- One firm's match as a team without a matching engine would write it: the firm's facts read from its stored
-- profile (psql/pgbench variable `firm`: its id), then every listed product whose eligibility rules, area,
-- amount and term bounds and collateral terms the firm and its need (`amount` in fen, `term` in months,
-- offering the collateral it owns) meet. Like Finmart's eligible list, a product counts only when every check
-- is decided and passes: a rule whose figure the firm has not given (NULL here), a bound or collateral the
-- product leaves unstated, a condition it requires verified, or its lender's other conditions keep it out.
-- First page: the cheapest 20 (SQL has no score to rank by), with the count of all eligible products. `f` is materialised: inlined, the profile
-- would be parsed again for every product.
WITH f AS MATERIALIZED (
    SELECT ARRAY[e.district, left(e.district, 4) || '00', left(e.district, 2) || '0000', 'nationwide'] AS places,
           e.industry, e.scale,
           date_part('year', age((now() AT TIME ZONE 'Asia/Shanghai')::date, (x->>'established')::date))::int AS years,
           (x->>'revenue')::numeric AS revenue,
           (x->>'employees')::numeric AS employees,
           array_position(ARRAY['A', 'B', 'M', 'C', 'D'], x->>'tax_credit_grade') AS grade,
           (x->>'tax_paid')::numeric AS tax_paid,
           CASE WHEN jsonb_typeof(x->'qualifications') = 'array'
                THEN ARRAY(SELECT jsonb_array_elements_text(x->'qualifications')) END AS qualifications,
           CASE WHEN jsonb_typeof(x->'sectors') = 'array'
                THEN ARRAY(SELECT jsonb_array_elements_text(x->'sectors')) END AS sectors,
           (x->>'invention_patents')::int AS patents,
           (x->>'trademarks')::int AS trademarks,
           CASE WHEN jsonb_typeof(x->'procurement_contracts') = 'array'
                THEN EXISTS (SELECT 1 FROM jsonb_array_elements(x->'procurement_contracts') c
                             WHERE (c->>'amount')::bigint > 0) END AS procurement,
           CASE WHEN jsonb_typeof(x->'receivables') = 'array'
                THEN EXISTS (SELECT 1 FROM jsonb_array_elements(x->'receivables') r
                             WHERE (r->>'core_enterprise')::boolean AND (r->>'amount')::bigint > 0) END AS core,
           (x->>'ever_borrowed')::boolean AS ever_borrowed,
           CASE x->'overdue'->>'kind' WHEN 'never' THEN 65535 ELSE (x->'overdue'->>'months')::int END AS overdue,
           (x->>'total_liabilities')::numeric AS liabilities,
           (x->>'total_assets')::numeric AS assets,
           ARRAY(SELECT jsonb_array_elements_text(COALESCE(x->'collateral', '[]'))) AS collateral
    FROM enterprise e, LATERAL (SELECT e.profile::jsonb AS x) j
    WHERE e.id = :firm
), eligible AS (
    SELECT m.id, m.yearly_rate_ppm
    FROM bench_match m, f
    WHERE m.districts && f.places
      AND m.amount_min_fen <= :amount AND :amount <= m.amount_max_fen
      AND m.term_min_months <= :term AND :term <= m.term_max_months
      AND (m.collateral ~ '(^|\|)none(\||$)'
           OR (strpos(m.collateral, '+') = 0 AND string_to_array(m.collateral, '|') && f.collateral)
           OR (strpos(m.collateral, '+') > 0 AND string_to_array(m.collateral, '+') <@ f.collateral))
      AND NOT m.rules ? 'other_conditions'
      -- A condition the product requires met by a verified fact (纳税信用等级须经税务核验) is not met by a
      -- declared profile: matched without its facts, as here, the firm is not eligible for it.
      AND NOT m.requires_verified
      AND (NOT m.rules ? 'min_years_in_operation' OR (m.rules->>'min_years_in_operation')::int <= f.years)
      AND (NOT m.rules ? 'revenue_yuan'
           OR ((split_part(m.rules->>'revenue_yuan', '..', 1) = ''
                OR split_part(m.rules->>'revenue_yuan', '..', 1)::numeric * 100 <= f.revenue)
               AND (split_part(m.rules->>'revenue_yuan', '..', 2) = ''
                OR f.revenue <= split_part(m.rules->>'revenue_yuan', '..', 2)::numeric * 100)))
      AND (NOT m.rules ? 'employees'
           OR ((split_part(m.rules->>'employees', '..', 1) = ''
                OR split_part(m.rules->>'employees', '..', 1)::numeric <= f.employees)
               AND (split_part(m.rules->>'employees', '..', 2) = ''
                OR f.employees <= split_part(m.rules->>'employees', '..', 2)::numeric)))
      AND (NOT m.rules ? 'tax_paid_yuan'
           OR ((split_part(m.rules->>'tax_paid_yuan', '..', 1) = ''
                OR split_part(m.rules->>'tax_paid_yuan', '..', 1)::numeric * 100 <= f.tax_paid)
               AND (split_part(m.rules->>'tax_paid_yuan', '..', 2) = ''
                OR f.tax_paid <= split_part(m.rules->>'tax_paid_yuan', '..', 2)::numeric * 100)))
      AND (NOT m.rules ? 'scales' OR f.scale = ANY (string_to_array(m.rules->>'scales', '|')))
      AND (NOT m.rules ? 'min_tax_credit_grade'
           OR f.grade <= array_position(ARRAY['A', 'B', 'M', 'C', 'D'], m.rules->>'min_tax_credit_grade'))
      AND (NOT m.rules ? 'qualifications_any'
           OR string_to_array(m.rules->>'qualifications_any', '|') && f.qualifications)
      AND (NOT m.rules ? 'qualifications_all'
           OR string_to_array(m.rules->>'qualifications_all', '|') <@ f.qualifications)
      AND (NOT m.rules ? 'industries_allowed' OR f.industry = ANY (string_to_array(m.rules->>'industries_allowed', '|')))
      AND (NOT m.rules ? 'industries_excluded'
           OR NOT f.industry = ANY (string_to_array(m.rules->>'industries_excluded', '|')))
      AND (NOT m.rules ? 'sectors_any' OR string_to_array(m.rules->>'sectors_any', '|') && f.sectors)
      AND (NOT m.rules ? 'min_invention_patents' OR (m.rules->>'min_invention_patents')::int <= f.patents)
      AND (NOT m.rules ? 'min_trademarks' OR (m.rules->>'min_trademarks')::int <= f.trademarks)
      AND (NOT m.rules ? 'gov_procurement_contract' OR f.procurement)
      AND (NOT m.rules ? 'core_enterprise_receivables' OR f.core)
      AND (NOT m.rules ? 'first_loan_only' OR NOT f.ever_borrowed)
      AND (NOT m.rules ? 'no_overdue_months' OR (m.rules->>'no_overdue_months')::int <= f.overdue)
      AND (NOT m.rules ? 'max_debt_ratio_pct'
           OR NOT f.liabilities * 10000 > (m.rules->>'max_debt_ratio_pct')::numeric * 100 * f.assets)
)
SELECT (SELECT count(*) FROM eligible) AS total, id
FROM eligible
ORDER BY yearly_rate_ppm NULLS LAST, id
LIMIT 20;
