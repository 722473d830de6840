"""No log line holds a full IP address, an e-mail or a phone number, whatever the client sends.

A real gunicorn with ``gunicorn.conf.py``'s logger; its whole log (access and error) is read.
"""

from __future__ import annotations

import socket

import pytest
from server_processes import raw_request, sqlite_server

pytestmark = pytest.mark.slow

EMAIL = "aigerim@mail.kz"
PHONE = "+7 701 234 56 78"
IPV6 = "2001:db8:85a3::8a2e:370:7334"
PERSONAL = [EMAIL, PHONE, PHONE.replace(" ", ""), "701 234 56 78", IPV6, "127.0.0.1"]


def get(port: int, path: str, **headers: str) -> int:
    lines = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    status, *_ = raw_request(port, ("\r\n".join(lines) + "\r\n\r\n").encode())
    return status


def test_the_log_keeps_no_address_email_or_phone(tmp_path):
    server = sqlite_server(tmp_path, workers=1, threads=2)
    try:
        agent = f"Mozilla/5.0 (X11; Linux x86_64; {EMAIL}; {PHONE}; {IPV6}) Chrome/120.0.0.0"
        assert get(server.port, "/api/v1/sites/shop/config", User_Agent=agent) == 200
        assert get(server.port, f"/embed/{EMAIL}.js", User_Agent=PHONE, Referer=agent) == 404
        assert get(server.port, "/admin/login", User_Agent=IPV6, X_Forwarded_For=IPV6) == 200
        # A request gunicorn itself refuses, quoting its line in the error log.
        with socket.create_connection(("127.0.0.1", server.port)) as sock:
            sock.sendall(f"GARBAGE {EMAIL} {PHONE} {IPV6}\r\n\r\n".encode())
            assert sock.recv(1024).startswith(b"HTTP/1.1 400")
    finally:
        server.stop()
    log = (tmp_path / "gunicorn.log").read_text()

    leaked = [value for value in PERSONAL if value in log]
    assert not leaked, log
    # The lines are there, only without what identifies a person.
    assert "Invalid request from ip=127.0.0.0" in log
    assert "<e-mail>; <phone>; 2001:db8:85a3::)" in log
    assert '"GET /embed/<e-mail> HTTP/1.1" 404' in log
