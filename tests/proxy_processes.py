"""nginx with the shipped configuration (deploy/nginx/) in front of a test's gunicorn.

The test renders deploy/nginx/cookieconsent.conf with only what a test machine must change:
the listen lines (loopback ports, plain HTTP beside the TLS one), server_name, the upstream
port, a self-signed certificate, the log directory and the include path. Every other line,
and the whole of cookieconsent-proxy.conf, runs as shipped. nginx runs in the foreground as a
child of the test, with its own prefix, pid file, temp directories and error log.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from server_processes import ROOT, free_port

DEPLOY = ROOT / "deploy" / "nginx"


def nginx_binary() -> str:
    """Debian's nginx; a skip on a developer's machine without it, a failure in CI."""
    found = shutil.which("nginx", path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")
    if found:
        return found
    message = "nginx is not installed: ./scripts/test installs Debian's nginx"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Nginx:
    """``nginx -p DIR -c DIR/nginx.conf`` with the shipped site, in front of ``upstream_port``."""

    def __init__(self, workdir: Path, upstream_port: int):
        self.workdir = workdir
        self.upstream_port = upstream_port
        self.port, self.tls_port, self.redirect_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.tls_url = f"https://127.0.0.1:{self.tls_port}"
        self.cert, self.key = self_signed(workdir)
        self.process: subprocess.Popen | None = None

    def site_conf(self) -> str:
        """deploy/nginx/cookieconsent.conf with the test machine's ports and paths."""
        text = (DEPLOY / "cookieconsent.conf").read_text()
        replacements = [
            ("server 127.0.0.1:8000;", f"server 127.0.0.1:{self.upstream_port};"),
            ("listen 80;", f"listen 127.0.0.1:{self.redirect_port};"),
            ("listen [::]:80;", ""),
            (
                "listen 443 ssl http2;",
                f"listen 127.0.0.1:{self.tls_port} ssl http2; listen 127.0.0.1:{self.port};",
            ),
            ("listen [::]:443 ssl http2;", ""),
            ("server_name consent.example.kz;", "server_name 127.0.0.1;"),
            ("/etc/ssl/cookieconsent/fullchain.pem", str(self.cert)),
            ("/etc/ssl/cookieconsent/privkey.pem", str(self.key)),
            ("/var/log/nginx/", f"{self.workdir}/"),
            (
                "/etc/nginx/snippets/cookieconsent-proxy.conf",
                str(DEPLOY / "cookieconsent-proxy.conf"),
            ),
        ]
        for old, new in replacements:
            # The shipped file changed shape: make the test follow it rather than test less.
            assert old in text, f"deploy/nginx/cookieconsent.conf no longer has {old!r}"
            text = text.replace(old, new)
        return text

    def main_conf(self) -> str:
        w = self.workdir
        temp = "\n".join(
            f"    {kind}_temp_path {w / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        # Workers of a root master would run as nobody, who cannot enter pytest's tmp_path.
        user = "user root;" if os.geteuid() == 0 else ""
        return f"""daemon off;
{user}
worker_processes 1;
pid {w / "nginx.pid"};
error_log {w / "error.log"} info;
events {{ worker_connections 512; }}
http {{
    default_type application/octet-stream;
{temp}
    access_log {w / "other.access.log"};
    include {w / "cookieconsent.conf"};
}}
"""

    def start(self) -> Nginx:
        (self.workdir / "cookieconsent.conf").write_text(self.site_conf())
        (self.workdir / "nginx.conf").write_text(self.main_conf())
        command = [
            nginx_binary(),
            "-p",
            str(self.workdir),
            "-c",
            str(self.workdir / "nginx.conf"),
            "-e",
            str(self.workdir / "error.log"),
        ]
        checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.error_log()
            try:
                for port in (self.port, self.tls_port, self.redirect_port):
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not listen within 20 s: " + self.error_log())

    def error_log(self) -> str:
        path = self.workdir / "error.log"
        return path.read_text()[-3000:] if path.exists() else ""

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


class SlowClients:
    """Sockets that send a POST's headers at once, then its body one byte every ``interval``.

    The attack on a server that gives each request a thread until the request is read.
    """

    BODY = b'{"receipt": "slow.client.x"}'

    def __init__(self, port: int, count: int, interval: float = 2.0):
        self.port, self.count, self.interval = port, count, interval
        self.sockets: list[socket.socket] = []
        self.sent = 0  # body bytes sent by every socket
        self.failed: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def start(self) -> SlowClients:
        head = (
            "POST /api/v1/receipts/verify HTTP/1.1\r\n"
            f"Host: 127.0.0.1:{self.port}\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(self.BODY)}\r\n\r\n"
        ).encode()
        for _ in range(self.count):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(head)
            self.sockets.append(sock)
        self._thread.start()
        return self

    def _trickle(self) -> None:
        # The last byte is never sent: each request stays unfinished for as long as it runs.
        while not self._stop.is_set() and self.sent < len(self.BODY) - 1:
            for sock in self.sockets:
                try:
                    sock.sendall(self.BODY[self.sent : self.sent + 1])
                except OSError as error:
                    self.failed.append(repr(error))
            self.sent += 1
            self._stop.wait(self.interval)

    def waiting(self) -> int:
        """How many of the requests are still open and unanswered."""
        count = 0
        for sock in self.sockets:
            timeout = sock.gettimeout()
            sock.settimeout(0)
            try:
                sock.recv(1, socket.MSG_PEEK)
            except BlockingIOError:
                count += 1  # nothing came back, and the connection is open
            except OSError:
                pass
            finally:
                sock.settimeout(timeout)
        return count

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for sock in self.sockets:
            sock.close()


class SiteNginx(Nginx):
    """A site's own nginx: static pages from ``root`` and deploy/nginx/same-origin-location.conf
    pointed at the consent server at ``upstream_port`` (same-origin mode)."""

    def __init__(self, workdir: Path, upstream_port: int, root: Path):
        super().__init__(workdir, upstream_port)
        self.root = root

    def site_conf(self) -> str:
        location = (DEPLOY / "same-origin-location.conf").read_text()
        upstream = f"127.0.0.1:{self.upstream_port}"
        for old, new in (
            ("proxy_pass https://consent.example.kz/;", f"proxy_pass http://{upstream}/;"),
            ("proxy_set_header Host consent.example.kz;", f"proxy_set_header Host {upstream};"),
        ):
            assert old in location, f"same-origin-location.conf no longer has {old!r}"
            location = location.replace(old, new)
        return f"""server {{
    listen 127.0.0.1:{self.tls_port} ssl; listen 127.0.0.1:{self.port};
    listen 127.0.0.1:{self.redirect_port};
    server_name 127.0.0.1;
    ssl_certificate {self.cert};
    ssl_certificate_key {self.key};
    types {{ text/html html; }}
    root {self.root};
{location}
}}
"""
