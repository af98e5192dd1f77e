from tracker_rsc.celery import app as celery_app

__all__ = ("celery_app",)
