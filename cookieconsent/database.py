"""Engine settings that make SQLite a safe embedded default."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the writer work at once. With WAL, synchronous=NORMAL keeps every
    # committed transaction across a crash of the process (only power loss can cost the last
    # ones); FULL is the setting that also survives power loss, at one fsync per commit.
    # The busy timeout comes from COOKIECONSENT_DB_TIMEOUT (sqlite3's ``timeout``), so a
    # locked database is answered with 503 instead of holding the request.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def init_app(app: Flask) -> None:
    """Make sure the instance folder exists for the embedded SQLite database."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        import os

        os.makedirs(app.instance_path, exist_ok=True)
