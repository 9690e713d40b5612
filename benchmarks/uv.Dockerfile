# Reference for `make bench`: UV'S RECOMMENDED shape, as astral-sh/uv-docker-example's Dockerfile and
# uv's Docker guide write it. One stage; uv copied in from its image (and so left in the final
# image); bytecode compiled at install; uv's cache in a cache mount, copied out of it; the lock
# bind-mounted, so the install layer reruns only when it changes; the code copied last; a non-root
# user. The example's lock is uv.lock (`uv sync --locked --no-install-project`); this project's is
# requirements.txt, which the guide installs with uv's pip interface into the same /app/.venv.
# Only what the project's compose stack needs to run it is added (marked "stack:"), and what this
# machine needs (marked "here:").
ARG BASE_IMAGE=python:3.13-slim-trixie
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
# (The guide names the image in COPY --from=; an ARG can only name it in a FROM.)
FROM ${UV_IMAGE} AS uv
FROM ${BASE_IMAGE}
COPY --from=uv /uv /uvx /bin/
RUN groupadd --system --gid 999 nonroot \
 && useradd --system --gid 999 --uid 999 --create-home nonroot
WORKDIR /app
ENV UV_COMPILE_BYTECODE=1
ENV UV_LINK_MODE=copy
# here: uv trusts the image's CA store (as the template's Dockerfile does).
ENV UV_SYSTEM_CERTS=1
RUN --mount=type=cache,target=/root/.cache/uv \
    --mount=type=bind,source=requirements.txt,target=requirements.txt \
    uv venv /app/.venv \
 && uv pip install --require-hashes --requirement requirements.txt
# stack: the health check and entrypoint where compose.yaml expects them, the code's import path,
# a data folder the user owns.
COPY --chmod=0755 docker/app/healthcheck.py docker/app/entrypoint.sh /usr/local/bin/
RUN mkdir /data && chown nonroot:nonroot /data
ENV PYTHONPATH=/app/src DATA_DIR=/data PORT=8000
COPY . /app
ENV PATH="/app/.venv/bin:$PATH"
ENTRYPOINT ["entrypoint.sh"]
USER nonroot
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
