"""Reports: the example analysis of the app's data, run by the `reports` service (compose.yaml).

    analysis.py  what is computed, in SQL where the data is (replace it with your own)
    charts.py    the chart, drawn as SVG when the run is built (no JavaScript, no web font)
    pages.py     a run's files: index.html, items_per_day.csv, report.json
    runs.py      one run: written aside, swapped in at once, never two at a time, old ones pruned
    service.py   the long-running service: a run every REPORTS_EVERY seconds, /metrics, /healthz

docs/reports.md says how it is served and how to write your own.
"""
