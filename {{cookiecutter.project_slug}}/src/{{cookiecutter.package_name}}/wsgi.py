"""The WSGI entry point that gunicorn serves (see gunicorn.conf.py)."""

from . import create_app

app = create_app()
