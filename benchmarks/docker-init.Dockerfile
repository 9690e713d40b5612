# Reference for `make bench`: the DOCKER INIT style, as `docker init` writes it for a Python project.
# One stage; a non-root user; pip's cache in a cache mount and requirements.txt bind-mounted, so the
# install layer reruns only when requirements.txt changes; the source copied last. (`docker init`
# uses adduser, which the slim images lack: useradd does the same.) Only what the project's compose
# stack needs to run it is added (marked "stack:").
ARG BASE_IMAGE=python:3.13-slim-trixie
FROM ${BASE_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1
ENV PYTHONUNBUFFERED=1
WORKDIR /app
ARG UID=10001
RUN useradd --no-create-home --home-dir /nonexistent --shell /sbin/nologin --uid "${UID}" appuser \
 && mkdir /data && chown appuser /data
# (--ignore-installed: as in naive.Dockerfile, for a base with packages of its own.)
RUN --mount=type=cache,target=/root/.cache/pip \
    --mount=type=bind,source=requirements.txt,target=requirements.txt \
    python -m pip install --ignore-installed -r requirements.txt
# stack: the health check and entrypoint where compose.yaml expects them, the code's import path.
COPY --chmod=0755 docker/app/healthcheck.py docker/app/entrypoint.sh /usr/local/bin/
ENV PYTHONPATH=/app/src DATA_DIR=/data PORT=8000
USER appuser
COPY . .
EXPOSE 8000
ENTRYPOINT ["entrypoint.sh"]
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
