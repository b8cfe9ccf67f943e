FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
# Static files are collected into the image; whitenoise serves them.
RUN SECRET_KEY=build-only ALLOWED_HOSTS=localhost DJANGO_SETTINGS_MODULE=o2o.settings.production \
    python manage.py collectstatic --noinput -v0
RUN useradd --create-home app && mkdir -p /app/var/media && chown -R app /app/var
USER app
EXPOSE 8000
CMD ["gunicorn", "o2o.wsgi", "--bind", "0.0.0.0:8000"]
