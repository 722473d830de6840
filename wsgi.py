"""The WSGI entry point: ``gunicorn wsgi:app``."""

from cookieconsent import create_app

app = create_app()
