# Tracker RSC: one image for web (gunicorn), Celery workers, beat and the one-shot migrate.
# Build: docker build -t tracker-rsc .   Run: see compose.yaml and the README's Operations.
FROM python:3.12-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TRACKER_VAR_DIR=/var/lib/tracker \
    STATIC_ROOT=/app/staticfiles

WORKDIR /app

# Dependencies first, from the lock file with its hashes: a rebuild after a code change reuses
# this layer, and nothing unpinned or tampered with is installed.
COPY requirements/prod.lock requirements/prod.lock
RUN pip install --no-deps --require-hashes -r requirements/prod.lock

RUN groupadd --system --gid 10001 tracker \
    && useradd --system --uid 10001 --gid tracker --home-dir /app --shell /usr/sbin/nologin tracker \
    && mkdir -p /var/lib/tracker \
    && chown tracker:tracker /var/lib/tracker

COPY . .

# Static files are collected at build (WhiteNoise serves them, hashed names from its manifest).
# The values below exist only for this step: the real ones come from the environment at run.
RUN DEBUG=off SECRET_KEY=collectstatic-only-not-a-runtime-key-0123456789abcdefghijklmnop \
    ERASURE_HMAC_KEY=collectstatic-only-not-a-runtime-key-0123456789abcdefghijklmnop \
    ALLOWED_HOSTS=build LINKEDIN_SANDBOX=off TRACKER_VAR_DIR=/tmp/build-var \
    python manage.py collectstatic --noinput -v 0 \
    && rm -rf /tmp/build-var

USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "tracker_rsc.wsgi", "-c", "gunicorn.conf.py"]
