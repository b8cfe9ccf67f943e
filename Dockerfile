FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml ./
RUN pip install --no-cache-dir .
COPY . .
RUN DJANGO_SETTINGS_MODULE=o2o.settings.local python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["gunicorn", "o2o.wsgi", "--bind", "0.0.0.0:8000"]
