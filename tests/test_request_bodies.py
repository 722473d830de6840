"""Request bodies are read up to their route's limit and no further, by a real gunicorn.

A generated stream stands in for the review's 600 MB: the client sends 64 KiB chunks until
the server answers. What the worker read and wrote comes from the kernel's own count
(``/proc/PID/io``), its memory from its peak RSS, so nothing here depends on timing.
"""

from __future__ import annotations

import json

import pytest
from server_processes import chunked, process_io, raw_request, sqlite_server

pytestmark = pytest.mark.slow

MiB = 1024 * 1024
#: Far past every limit; the client stops as soon as the server answers.
ATTACK = 200 * MiB
#: What a worker may read and keep beyond the limit: gunicorn's buffers, and the 64 KiB it
#: drains before it closes a connection whose body was left unread.
SLACK = 1 * MiB


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    server = sqlite_server(tmp_path_factory.mktemp("bodies"), workers=1, threads=2)
    yield server
    server.stop()


@pytest.fixture
def worker(server):
    """The one worker's kernel counters, measured around the test's requests."""
    [pid] = server.worker_pids()

    class Worker:
        def __init__(self):
            self.start = process_io(pid)

        def grew(self) -> dict[str, int]:
            now = process_io(pid)
            return {
                "read": now["rchar"] - self.start["rchar"],
                "written": now["wchar"] - self.start["wchar"],
                "peak_kib": now["VmHWM"] - self.start["VmRSS"],
            }

    return Worker()


def endless(size: int = 64 * 1024):
    piece = b"x" * size
    for _ in range(ATTACK // size):
        yield piece


def head(path: str, content_type: str, *, length: int | None = None) -> bytes:
    framing = f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked"
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: https://shop.example.kz\r\n"
        f"Content-Type: {content_type}\r\n{framing}\r\n\r\n"
    ).encode()


def test_a_chunked_body_past_the_api_limit_is_refused_after_the_limit(server, worker):
    status, _, body, sent = raw_request(
        server.port, head("/api/v1/consents", "application/json"), chunked(endless())
    )
    grew = worker.grew()
    assert status == 413
    assert json.loads(body) == {
        "error": "Request body too large.",
        "fields": {"body": "At most 16384 bytes."},
    }
    assert sent < ATTACK  # the client was stopped long before the end
    assert grew["read"] < 16 * 1024 + SLACK, grew
    assert grew["peak_kib"] * 1024 < 4 * MiB, grew  # the worker's memory stays flat


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "multipart/form-data; boundary=b0undary"],
)
def test_a_chunked_console_form_past_its_limit_is_refused_unspooled(server, worker, content_type):
    if content_type.startswith("multipart"):
        pieces = multipart_file(8 * MiB)
    else:
        pieces = (b"email=a%40b.kz&password=" + b"p" * 65536 for _ in range(ATTACK // 65536))
    status, _, body, _ = raw_request(
        server.port, head("/admin/login", content_type), chunked(pieces)
    )
    grew = worker.grew()
    # The limit is a 413; a multipart form, which no route takes, is a 415 before any part
    # is read. Either way the console's own error page, and nothing spooled to disk.
    assert status == (415 if content_type.startswith("multipart") else 413)
    assert b"<html" in body
    assert grew["read"] < 256 * 1024 + SLACK, grew
    assert grew["written"] < SLACK, grew


def multipart_file(size: int):
    yield (
        b"--b0undary\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\na@b.kz\r\n"
        b"--b0undary\r\nContent-Disposition: form-data; name=\"upload\"; filename=\"big.bin\""
        b"\r\nContent-Type: application/octet-stream\r\n\r\n"
    )
    piece = b"\0" * 65536
    for _ in range(size // len(piece)):
        yield piece
    yield b"\r\n--b0undary--\r\n"


def test_a_multipart_post_of_several_mb_to_the_login_is_refused_unspooled(server, worker):
    size = 8 * MiB
    pieces = list(multipart_file(size))
    length = sum(len(p) for p in pieces)
    status, _, body, _ = raw_request(
        server.port,
        head("/admin/login", "multipart/form-data; boundary=b0undary", length=length),
        pieces,
    )
    grew = worker.grew()
    assert status == 413
    assert b"<html" in body
    assert grew["read"] < 256 * 1024 + SLACK, grew
    assert grew["written"] < SLACK, grew  # no temporary file grew


@pytest.mark.parametrize(
    ("name", "framing", "body"),
    [
        ("chunk cut short", "Transfer-Encoding: chunked", b"40\r\n{\"site\": \"shop\""),
        ("no last chunk", "Transfer-Encoding: chunked", b"2\r\n{}\r\n"),
        ("malformed chunk size", "Transfer-Encoding: chunked", b"zz\r\n{}\r\n0\r\n\r\n"),
        ("shorter than its length", "Content-Length: 100", b"{\"site\": \"shop\""),
    ],
)
def test_a_body_cut_short_is_a_400(server, name, framing, body):
    request = (
        "POST /api/v1/consents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
        f"\r\n{framing}\r\n\r\n"
    ).encode()
    status, _, answer, _ = raw_request(server.port, request, [body], half_close=True)
    assert status == 400, answer
    error = json.loads(answer)
    assert error["fields"] == {"body": "Incomplete body."}


def test_a_body_within_the_limit_is_still_read_whole(server):
    consent = {
        "site": "shop",
        "revision": 1,
        "language": "ru",
        "method": "banner",
        "action": "custom",
        "choices": {"functional": True, "analytics": False},
        # Padding in a field the schema reads, to bring the body near its limit.
        "url": "https://shop.example.kz/?" + "q" * 1900,
        "gpc": False,
    }
    raw = json.dumps(consent).encode()
    pieces = [raw[i : i + 100] for i in range(0, len(raw), 100)]
    status, _, body, _ = raw_request(
        server.port, head("/api/v1/consents", "application/json"), chunked(pieces)
    )
    assert status == 201, body
