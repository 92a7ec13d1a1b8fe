# One image for web, worker and beat (docker-compose.yml picks the command).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir uv==0.13.8 \
    && useradd --create-home --uid 10001 coiin

WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN DEBUG=false SECRET_KEY=collectstatic-only python manage.py collectstatic --noinput \
    && chown -R coiin /app/var

USER coiin
EXPOSE 8000
# Workers, preload and bind: coiin/gunicorn.conf.py, which docker-compose.yml and the bench use too.
CMD ["gunicorn", "-c", "coiin/gunicorn.conf.py", "coiin.wsgi:application"]
