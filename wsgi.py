"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from forum.app import create_app

app = create_app()
