# Reference for `make bench`: the NAIVE, tutorial-style Dockerfile. One stage; the whole build
# context is copied first, then `pip install`, so any edit to any file reruns the install; runs as
# root. Only what the project's compose stack needs to run it is added (marked "stack:").
ARG BASE_IMAGE=python:3.13-slim-trixie
FROM ${BASE_IMAGE}
WORKDIR /app
COPY . .
# (--ignore-installed: a base whose Python has packages of its own, as the docker-kit's stand-ins
# carry Debian's `packaging`, which pip cannot uninstall; the official image has none, so no change.)
RUN pip install --no-cache-dir --ignore-installed -r requirements.txt
# stack: the health check and entrypoint where compose.yaml expects them, the code's import path.
RUN cp docker/app/healthcheck.py docker/app/entrypoint.sh /usr/local/bin/ \
 && chmod 0755 /usr/local/bin/healthcheck.py /usr/local/bin/entrypoint.sh
ENV PYTHONPATH=/app/src DATA_DIR=/data PORT=8000
EXPOSE 8000
ENTRYPOINT ["entrypoint.sh"]
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
