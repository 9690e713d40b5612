"""The expansion of Grafana's macros (tooling/grafana.py) with which the Docker tests run the dashboards'
queries where Grafana cannot run: it knows the macros the dashboards use and refuses any other."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from tooling.grafana import Query, expand_promql, expand_sql


def test_the_expander_knows_grafanas_macros_and_refuses_others():
    now = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    query = Query("q", "grafana-postgresql-datasource", "", time_range=("now-1d", "now"))
    sql = "SELECT $__timeGroupAlias(t, $__interval), count(*) FROM x WHERE $__timeFilter(t) GROUP BY 1"
    assert expand_sql(replace(query, text=sql), now) == (
        'SELECT floor(extract(epoch from t)/60)*60 AS "time", count(*) FROM x'
        " WHERE t BETWEEN '2026-01-30T12:00:00Z' AND '2026-01-31T12:00:00Z' GROUP BY 1"
    )
    with pytest.raises(AssertionError, match="does not know the macro"):
        expand_sql(replace(query, text="SELECT $__timeShiftedFilter(t)"), now)
    promql = Query("p", "prometheus", "rate(x[$__rate_interval]) + $__range_unknown", time_range=("now-1h", "now"))
    with pytest.raises(AssertionError, match="left unexpanded"):
        expand_promql(promql, now)
