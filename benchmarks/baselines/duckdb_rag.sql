-- Baseline: csc-perf's RAG + direction of travel + 12-month rolling sum, by hand in DuckDB.
-- Run by duckdb_rag.py, which defines the tables obs (the Parquet export), defs (csc-perf
-- indicators --format csv), derived (indicator, source, authority, population) and the
-- macro m() = the month index (year * 12 + month - 1) of the month reported.
-- Polarity range, stretch targets, target steps and no_change are not handled (the
-- synthetic definitions use none of them).

CREATE TEMP TABLE d AS
SELECT id AS indicator, unit, measure, polarity,
       TRY_CAST(target AS DOUBLE) AS target,
       split_part(amber, ' ', 1) AS amber_kind,
       TRY_CAST(split_part(amber, ' ', 2) AS DOUBLE) AS amber_value
FROM defs;

CREATE TEMP TABLE o AS
SELECT authority, indicator, value, status,
       CAST(year(month) * 12 + month(month) - 1 AS INTEGER) AS mi
FROM obs
WHERE year(month) * 12 + month(month) - 1 BETWEEN m() - 23 AND m();

-- 12-month rolling sums ending at the month, the month before and a year before: only
-- where all 12 months have a figure.
CREATE TEMP TABLE rolling AS
SELECT o.authority, o.indicator, o.mi + k.k AS mi, sum(o.value) AS rolling
FROM o
JOIN (SELECT indicator FROM d WHERE unit = 'count' AND measure = 'flow'
      UNION SELECT source FROM derived) r USING (indicator)
CROSS JOIN range(0, 12) k(k)
WHERE o.mi + k.k IN (m(), m() - 1, m() - 12)
GROUP BY ALL
HAVING count(o.value) = 12;

CREATE TEMP TABLE v AS
SELECT authority, indicator, mi, value, status FROM o WHERE mi IN (m(), m() - 1, m() - 12)
UNION ALL
SELECT r.authority, dv.indicator, r.mi, r.rolling / dv.population * 10000, 'present'
FROM rolling r JOIN derived dv ON dv.source = r.indicator AND dv.authority = r.authority
WHERE isfinite(r.rolling / dv.population * 10000);

CREATE TEMP TABLE base AS
SELECT a.authority, d.*, cur.value, coalesce(cur.status, 'missing') AS status,
       prev.value AS previous_value, ya.value AS value_year_ago, rl.rolling AS rolling_12,
       CASE WHEN d.polarity = 'lower' THEN -1.0 ELSE 1.0 END AS s,
       greatest(1.0, coalesce(abs(d.target), 1.0)) * 1e-9 AS tol
FROM (SELECT DISTINCT authority FROM obs) a
CROSS JOIN d
LEFT JOIN v cur ON cur.authority = a.authority AND cur.indicator = d.indicator
     AND cur.mi = m()
LEFT JOIN v prev ON prev.authority = a.authority AND prev.indicator = d.indicator
     AND prev.mi = m() - 1
LEFT JOIN v ya ON ya.authority = a.authority AND ya.indicator = d.indicator
     AND ya.mi = m() - 12
LEFT JOIN rolling rl ON rl.authority = a.authority AND rl.indicator = d.indicator
     AND rl.mi = m() AND d.unit = 'count' AND d.measure = 'flow';

CREATE TEMP MACRO pct(value, base) AS
    CASE WHEN base IS NULL OR base = 0 THEN NULL ELSE (value - base) / abs(base) * 100 END;

CREATE TEMP MACRO size(unit, value, base) AS
    CASE WHEN unit = 'percent' THEN value - base ELSE pct(value, base) END;

CREATE TEMP MACRO direction(unit, polarity, value, base) AS
    CASE
        WHEN value IS NULL OR base IS NULL OR size(unit, value, base) IS NULL
            THEN 'not comparable'
        WHEN abs(size(unit, value, base)) <= 1e-9 THEN 'no change'
        WHEN polarity = 'none'
            THEN CASE WHEN size(unit, value, base) > 0 THEN 'increased' ELSE 'decreased' END
        WHEN (polarity = 'higher') = (size(unit, value, base) > 0) THEN 'improving'
        ELSE 'declining'
    END;

SELECT authority, indicator, strftime(make_date(m() // 12, m() % 12 + 1, 1), '%Y-%m') AS month,
       value, status, unit, target, polarity,
       CASE
           WHEN status <> 'present' THEN 'no data'
           WHEN polarity = 'none' OR target IS NULL THEN 'grey'
           WHEN s * (value - target) >= -tol THEN 'green'
           WHEN (amber_kind = 'absolute' AND s * (value - target) >= -amber_value - tol)
             OR (amber_kind = 'relative'
                 AND s * (value - target) >= -amber_value * abs(target) - tol)
             OR (amber_kind = 'threshold' AND s * (value - amber_value) >= -tol)
               THEN 'amber'
           ELSE 'red'
       END AS rag,
       previous_value,
       value - previous_value AS change_previous,
       pct(value, previous_value) AS change_previous_pct,
       direction(unit, polarity, value, previous_value) AS direction_previous,
       value_year_ago,
       value - value_year_ago AS change_year_ago,
       pct(value, value_year_ago) AS change_year_ago_pct,
       direction(unit, polarity, value, value_year_ago) AS direction_year_ago,
       rolling_12,
       CASE WHEN value IS NOT NULL AND polarity IN ('higher', 'lower')
                 AND count(value) FILTER (WHERE polarity IN ('higher', 'lower'))
                     OVER (PARTITION BY indicator) > 1
            THEN rank() OVER (PARTITION BY indicator, value IS NOT NULL
                              ORDER BY s * -value)
       END AS authority_rank
FROM base
ORDER BY authority, indicator
