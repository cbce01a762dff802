"""The Celery app. Routes, acks and time limits live in settings (CELERY_*), in one place."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("emergency_desk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
