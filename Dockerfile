# Front-end packages from npm (package.json "dependencies": Leaflet for the
# maps), installed in a build stage; the image itself has no Node.js.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
# A CJK font, so the demo's deal images can draw Chinese titles.
RUN apt-get update && apt-get install -y --no-install-recommends fonts-wqy-zenhei \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
COPY --from=assets /assets/node_modules ./node_modules
# Static files are collected into the image; whitenoise serves them.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost DJANGO_SETTINGS_MODULE=o2o.settings.production \
    python manage.py collectstatic --noinput -v0
RUN useradd --create-home app && mkdir -p /app/var/media && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "o2o.wsgi", "--bind", "0.0.0.0:8000"]
