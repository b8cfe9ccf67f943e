"""Project package: settings, root URLs, the Celery app and shared helpers."""

from .celery import app as celery_app

__all__ = ("celery_app",)
