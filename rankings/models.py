"""Rankings' rows, computed by a Celery job (rankings.tasks)."""
