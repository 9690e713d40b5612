"""gunicorn settings, tunable from the environment.

All settings: https://docs.gunicorn.org/en/stable/settings.html
"""

import os
import shutil
import tempfile

wsgi_app = "{{ cookiecutter.package_name }}.wsgi:app"
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# A few processes, each with a few threads: enough for I/O-bound requests on a small machine.
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, in-flight requests get this long to finish; compose's stop_grace_period is longer.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# Restart on code changes: for development only (compose.override.yaml sets it).
reload = os.environ.get("GUNICORN_RELOAD", "0") == "1"
# Logs go to stdout/stderr, where `docker compose logs` finds them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# No control socket for `gunicornc`: nothing here uses it, and its default place, the home
# directory, is read-only in the container.
control_socket_disable = True
# Worker heartbeats in memory, not on a (possibly read-only or slow) disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# prometheus_client's multiprocess mode: each worker writes its metrics here, /metrics sums them.
# It must be set before the workers import prometheus_client, hence here in the master.
metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), "{{ cookiecutter.package_name }}-metrics")
)


def on_starting(server):
    # Numbers from a previous run must not be added to this one's.
    shutil.rmtree(metrics_dir, ignore_errors=True)
    os.makedirs(metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
