"""gunicorn settings, tunable from the environment.

The defaults below are the only ones: compose passes a setting only when .env sets it (an empty
value counts as unset). All settings: https://docs.gunicorn.org/en/stable/settings.html
"""

import ast
import contextlib
import importlib
import importlib.util
import os
import shutil
import sys
import tempfile


def setting(name, default):
    """The environment's value of name, or default when it is unset or empty."""
    return os.environ.get(name) or default


wsgi_app = "{{ cookiecutter.package_name }}.wsgi:app"
bind = f"0.0.0.0:{setting('PORT', '8000')}"
# A few processes, each with a few threads: enough for I/O-bound requests on a small machine.
workers = int(setting("GUNICORN_WORKERS", "2"))
threads = int(setting("GUNICORN_THREADS", "4"))
timeout = int(setting("GUNICORN_TIMEOUT", "30"))
# On SIGTERM, in-flight requests get this long to finish; compose's stop_grace_period is longer.
graceful_timeout = int(setting("GUNICORN_GRACEFUL_TIMEOUT", "20"))
# Restart on code changes: for development only (compose.override.yaml sets it).
reload = setting("GUNICORN_RELOAD", "0") == "1"
# Logs go to stderr, where `docker compose logs` finds them: one line per record, gunicorn's own
# lines too, in the app's format (LOG_FORMAT=text or json, see the package's logs.py). No access
# log from gunicorn: the app logs each request itself, with its request id.
accesslog = None
errorlog = "-"
loglevel = setting("LOG_LEVEL", "info").lower()


def package_dir():
    spec = importlib.util.find_spec("{{ cookiecutter.package_name }}")
    return os.path.dirname(spec.origin)


def load_app_logs():
    """The app's logs.py, run from its file. Importing it would import the whole package into this
    master process; the workers, forked from it, would keep that copy, and the reloader would
    restart them on the old code."""
    path = os.path.join(package_dir(), "logs.py")
    spec = importlib.util.spec_from_file_location("app_logs", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


logconfig_dict = load_app_logs().gunicorn_config(setting("LOG_FORMAT", "text").lower(), loglevel)
# No control socket for `gunicornc`: nothing here uses it, and its default place, the home
# directory, is read-only in the container.
control_socket_disable = True
# Worker heartbeats in memory, not on a (possibly read-only or slow) disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# prometheus_client's multiprocess mode: each worker writes its metrics here, /metrics sums them.
# It must be set before the workers import prometheus_client, hence here in the master.
metrics_name = "{{ cookiecutter.package_name }}-metrics"
metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), metrics_name)
)


def on_starting(server):
    # Numbers from a previous run must not be added to this one's.
    shutil.rmtree(metrics_dir, ignore_errors=True)
    os.makedirs(metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# Imported by SQLAlchemy when the app makes its engine, not by the app's modules: the database's
# driver, the slowest of all to import.
{%- if cookiecutter.database == "postgresql" %}
DRIVER = ("sqlalchemy.dialects.postgresql.psycopg", "psycopg")
{%- else %}
DRIVER = ("sqlalchemy.dialects.sqlite.pysqlite", "sqlite3")
{%- endif %}


def imports_of(module):
    """The modules that module's source imports at its top (not in functions: those load when
    they are first needed), relative imports resolved."""
    path = os.path.join(package_dir(), *module.split(".")[1:])
    is_package = os.path.isdir(path)
    try:
        file = os.path.join(path, "__init__.py") if is_package else path + ".py"
        with open(file, encoding="utf-8") as source:
            tree = ast.parse(source.read())
    except (OSError, SyntaxError, ValueError):  # being edited: its worker says what is wrong
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # from . import x, from ..db import y
                parent = module.split(".")[: len(module.split(".")) + is_package - node.level]
                base = ".".join(parent + ([node.module] if node.module else []))
            # Each imported name: a module, or a name in one (whose import then fails, harmlessly).
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names)
    return names


def preload_libraries():
    """Import here, in the master, the libraries that the web app's modules import, following them
    from wsgi.py (read from their source; the app itself is not imported, see load_app_logs). Every
    worker is forked with them loaded: a worker started for an edit (`make dev` sends HUP) imports
    only the app's own modules, which takes a fraction of a second instead of a second or more. The
    management commands' libraries (Alembic) are left out: the workers never use them."""
    package = "{{ cookiecutter.package_name }}"
    todo, seen, libraries = [f"{package}.wsgi"], set(), set(DRIVER)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.append(module.rpartition(".")[0])  # its package's __init__.py runs first
            for name in imports_of(module):
                if name.partition(".")[0] == package:
                    todo.append(name)
                else:
                    libraries.add(name)
    for name in sorted(libraries):  # a module before the names in it
        parent, _, attribute = name.rpartition(".")
        if name in sys.modules or hasattr(sys.modules.get(parent), attribute):
            continue  # loaded already (HUP reads this file again), or a name in a loaded module
        # A library not installed (yet): the worker that imports it reports it.
        with contextlib.suppress(ImportError):
            importlib.import_module(name)


# After PROMETHEUS_MULTIPROC_DIR is set: prometheus_client reads it when it is imported.
preload_libraries()
