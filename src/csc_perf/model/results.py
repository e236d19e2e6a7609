"""The results frame's column contract: per authority, indicator and month, value, target,
RAG, direction of travel, SPC and benchmarks (:func:`csc_perf.methods.results.compute_results`
builds it; every report reads it). Later versions add columns at the end; none is renamed or
removed.

=====================  =================================================================
column                 meaning
=====================  =================================================================
authority              authority code (``852``)
indicator              indicator id
name                   the name the report prints
theme                  the indicator's first theme id (``themes`` lists all, ``;``-joined)
month                  first day of the month
value                  the figure (null unless status is ``present``)
status                 ``present``, ``missing`` or ``suppressed`` (no row stored: missing)
unit                   count, percent, rate, average
target                 target in force that month (null for none / polarity range)
polarity               higher, lower, range, none
rag                    blue, green, amber, red, grey (no target / no polarity), no data
previous_value         value the month before
change_previous        value - previous_value
change_previous_pct    change_previous / abs(previous_value) x 100 (null when it is 0)
direction_previous     improving, declining, no change, increased, decreased, not comparable
value_year_ago         value in the same month a year before
change_year_ago        value - value_year_ago
change_year_ago_pct    change_year_ago / abs(value_year_ago) x 100
direction_year_ago     as direction_previous, against the same month last year
mean_previous_3        mean of the 3 previous months (null unless all 3 have a value)
direction_previous_3   as direction_previous, against mean_previous_3
themes                 every theme the indicator is shown under, ``;``-joined
decimals               decimals the report prints
target_low             low end of a range target (polarity range)
target_high            high end of a range target (polarity range)
spc_mean               SPC (XmR) centre line of the month's phase (null: no limits)
spc_lower              lower process limit (mean - 2.66 x mean moving range)
spc_upper              upper process limit
spc_rule               special-cause rules the point meets, ``;``-joined (beyond_limit,
                       shift, trend, two_of_three); empty for common cause
spc_variation          common_cause, improvement_high|low, concern_high|low,
                       neither_high|low (polarity none); null without limits
spc_assurance          pass, fail, hit_or_miss against the target; null without a target,
                       without limits, or for polarity none/range
spc_note               why there are no limits (too few points, a rolling figure, ...)
derived                true when the value was computed by the indicator's formula (an
                       extract's own figure, where given, is kept and wins)
benchmark_year         the financial year compared with (``2023/24`` for Oct-24: the latest
                       ended before the month); ``benchmark_year_previous`` the one before
la_value               the authority's published figure that year (``_previous``: year before)
sn_value               mean (``sn_method``: or median) of the statistical neighbours' figures;
                       ``sn_count`` how many had one
region_value           the authority's region; ``england_value`` England
vs_sn, vs_region,      better, worse or same: the month's value against each, by polarity
vs_england
quartile               A (best quarter of authorities, by polarity) to D (worst)
authority_rank         with several authorities in the run: rank among them that month,
                       1 = best by polarity; ``authorities_ranked`` how many had a value;
                       ``authority_band`` A (best quarter) to D. Null with one authority
=====================  =================================================================
"""

#: The benchmark columns (:func:`csc_perf.methods.benchmarks.add_benchmarks` adds them).
BENCHMARK_COLUMNS = (
    "benchmark_year",
    "benchmark_year_previous",
    "la_value",
    "la_value_previous",
    "sn_value",
    "sn_value_previous",
    "sn_count",
    "sn_method",
    "region_value",
    "region_value_previous",
    "england_value",
    "england_value_previous",
    "vs_sn",
    "vs_region",
    "vs_england",
    "quartile",
)

#: Every column of the results frame, in order.
RESULT_COLUMNS = (
    "authority",
    "indicator",
    "name",
    "theme",
    "month",
    "value",
    "status",
    "unit",
    "target",
    "polarity",
    "rag",
    "previous_value",
    "change_previous",
    "change_previous_pct",
    "direction_previous",
    "value_year_ago",
    "change_year_ago",
    "change_year_ago_pct",
    "direction_year_ago",
    "mean_previous_3",
    "direction_previous_3",
    "themes",
    "decimals",
    "target_low",
    "target_high",
    "spc_mean",
    "spc_lower",
    "spc_upper",
    "spc_rule",
    "spc_variation",
    "spc_assurance",
    "spc_note",
    "derived",
    *BENCHMARK_COLUMNS,
    "authority_rank",
    "authorities_ranked",
    "authority_band",
)
