"""The floor: a bare Flask app that answers the API's paths with a constant.

Served by gunicorn with exactly the configuration of the real server, it measures what the
machine, gunicorn, Flask and the load generator cost before any of our code runs. The real
endpoints are compared against it.
"""

from flask import Flask

app = Flask(__name__)

ANSWER = {"ok": True}


@app.post("/api/v1/consents")
def consents():
    return ANSWER, 201


@app.post("/api/v1/receipts/verify")
def verify():
    return ANSWER


@app.get("/")
def index():
    return "floor\n"
