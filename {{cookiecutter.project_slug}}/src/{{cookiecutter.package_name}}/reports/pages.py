"""A run's files: index.html (the figures, their chart, tables), items_per_day.csv, report.json."""

import csv
import io
import json
from html import escape
from pathlib import Path
from string import Template

from .analysis import Report
from .charts import items_per_day_svg

# string.Template ($name), so that the style's braces need no escaping. No script, no style or
# image from elsewhere: the page works offline and behind any firewall.
PAGE = Template("""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>
body { font-family: sans-serif; margin: 2rem; color: #222; max-width: 860px; }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { border: 1px solid #ccc; padding: 0.25rem 0.75rem; text-align: right; }
th:first-child, td:first-child { text-align: left; }
</style>
</head>
<body>
<h1>$title</h1>
<p>Built $generated (UTC). <a href="../../index.html">All runs</a> ·
<a href="items_per_day.csv">items_per_day.csv</a> · <a href="report.json">report.json</a></p>
<h2>Items created per day, last $days days</h2>
<figure id="items-per-day">
$chart
</figure>
<h2>Summary</h2>
<table id="summary">
<tr><th>figure</th><th>value</th></tr>
$summary
</table>
<h2>Per day</h2>
<table id="per-day">
<tr><th>day</th><th>created</th><th>trend</th></tr>
$rows
</table>
</body>
</html>
""")


def csv_text(report: Report) -> str:
    """day,created: one row per day, ISO dates (UTC)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["day", "created"])
    writer.writerows(
        (day.isoformat(), count) for day, count in zip(report.days, report.created, strict=True)
    )
    return out.getvalue()


def json_data(report: Report) -> dict[str, object]:
    busiest, busiest_count = report.busiest_day
    return {
        "generated_at": report.generated_at.isoformat(),
        "total_items": report.total_items,
        "created_in_period": report.created_in_period,
        "busiest_day": {"day": busiest.isoformat(), "created": busiest_count},
        "trend": {"slope_per_day": report.trend.slope, "intercept": report.trend.intercept},
        "items_per_day": [
            {"day": day.isoformat(), "created": count}
            for day, count in zip(report.days, report.created, strict=True)
        ],
    }


def html_page(report: Report, title: str) -> str:
    busiest, busiest_count = report.busiest_day
    summary = [
        ("items in all", f"{report.total_items}"),
        (f"created in the last {len(report.days)} days", f"{report.created_in_period}"),
        ("busiest day", f"{busiest.isoformat()} ({busiest_count})"),
        ("trend", f"{report.trend.slope:+.2f} items a day"),
    ]
    return PAGE.substitute(
        title=escape(title),
        generated=escape(report.generated_at.strftime("%Y-%m-%d %H:%M:%S")),
        days=len(report.days),
        chart=items_per_day_svg(report),
        summary="\n".join(f"<tr><td>{escape(k)}</td><td>{escape(v)}</td></tr>" for k, v in summary),
        rows="\n".join(
            f"<tr><td>{day.isoformat()}</td><td>{count}</td><td>{report.trend.at(i):.1f}</td></tr>"
            for i, (day, count) in enumerate(zip(report.days, report.created, strict=True))
        ),
    )


def write_run(report: Report, folder: Path, title: str) -> None:
    (folder / "index.html").write_text(html_page(report, title), encoding="utf-8")
    (folder / "items_per_day.csv").write_text(csv_text(report), encoding="utf-8")
    (folder / "report.json").write_text(
        json.dumps(json_data(report), indent=2) + "\n", encoding="utf-8"
    )
