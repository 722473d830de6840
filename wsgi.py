"""The WSGI entry point: ``gunicorn wsgi:app``."""

from cookieconsent import create_app
from cookieconsent.embed import payload

app = create_app()
# Each worker loads this module before it takes requests: its first banner is then about as
# quick as its hundredth (bench/RESULTS.md, cold start).
payload.warm_up(app)
