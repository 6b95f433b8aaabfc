"""HTTP basic authentication for a dashboard reachable from other machines (``--auth-file``).

The dashboard binds to 127.0.0.1 by default; listening on another interface requires
``--allow-remote`` *and* an auth file, so a workload (query texts, table names, costs) is never
served to a network without a password. The file holds ``user:password`` lines (``#`` comments and
blank lines ignored). Only SHA-256 digests of the passwords are kept in memory and compared in
constant time; passwords are never logged or echoed in errors (a bad line is named by its number).
Use it behind TLS (a reverse proxy) when the network is not trusted: basic auth sends the password
base64-encoded, not encrypted.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import Flask, Response, request

from costmodel.core.errors import CostModelError

REALM = "dsqlcost dashboard"


class DashboardConfigError(CostModelError):
    """The dashboard cannot start as asked (auth file, host, missing sample)."""


def _digest(password: str) -> bytes:
    return hashlib.sha256(password.encode("utf-8")).digest()


@dataclass(frozen=True)
class BasicAuth:
    """Accepted users, each with the SHA-256 digest of their password."""

    users: Mapping[str, bytes]
    realm: str = REALM

    @classmethod
    def from_pairs(cls, pairs: Mapping[str, str]) -> BasicAuth:
        """From plain ``{user: password}`` (tests and programmatic use)."""
        return cls({user: _digest(password) for user, password in pairs.items()})

    def check(self, header: str | None) -> bool:
        """Whether an ``Authorization`` header carries a known user and password."""
        if not header or not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError):
            return False
        user, sep, password = decoded.partition(":")
        if not sep:
            return False
        expected = self.users.get(user)
        given = _digest(password)
        if expected is None:
            hmac.compare_digest(given, given)  # same work for unknown users
            return False
        return hmac.compare_digest(given, expected)


def load_auth_file(path: str | Path) -> BasicAuth:
    """Read ``user:password`` lines; errors name the file and line, never the password."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DashboardConfigError(
            f"cannot read the auth file: {exc.strerror}",
            file=file,
            hint="pass a file with user:password lines",
        ) from None
    except UnicodeDecodeError:
        raise DashboardConfigError("the auth file is not UTF-8 text", file=file) from None
    users: dict[str, bytes] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not sep or not user.strip() or not password:
            raise DashboardConfigError(
                "expected user:password", file=file, row=number, hint="one user:password per line"
            )
        users[user.strip()] = _digest(password)
    if not users:
        raise DashboardConfigError(
            "the auth file lists no users", file=file, hint="add at least one user:password line"
        )
    return BasicAuth(users)


def install(server: Flask, auth: BasicAuth) -> None:
    """Require ``auth`` on every request to ``server`` (pages, callbacks, assets)."""

    @server.before_request
    def _require_login() -> Response | None:
        if auth.check(request.headers.get("Authorization")):
            return None
        return Response(
            "Authentication required.\n",
            401,
            {
                "WWW-Authenticate": f'Basic realm="{auth.realm}", charset="UTF-8"',
                "Content-Type": "text/plain",
            },
        )


def host_name(header: str | None) -> str:
    """The host part of a ``Host`` header (``[::1]:8050`` → ``::1``, ``Example.com:80`` → ``example.com``)."""
    text = (header or "").strip().lower()
    if text.startswith("["):
        return text[1 : text.find("]")] if "]" in text else ""
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def is_loopback_name(name: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ``::1``: names only this machine answers to."""
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def install_host_check(server: Flask) -> None:
    """Answer only requests whose ``Host`` is a loopback name (DNS rebinding guard).

    Why: a web page on ``evil.example`` can rebind its name to 127.0.0.1; the browser then sends
    ``Host: evil.example`` to the dashboard and lets the page read the answers (costs, query texts)
    and upload files. A loopback-bound dashboard only ever needs ``localhost``/``127.0.0.1``/``::1``,
    so anything else is refused with 421 before any page or callback runs. ``--allow-remote`` turns
    this off (the server is then meant to be reached by other names, behind basic auth).
    """

    @server.before_request
    def _check_host() -> Response | None:
        if is_loopback_name(host_name(request.headers.get("Host"))):
            return None
        return Response(
            "dsqlcost dashboard: this Host is not served (open it as http://127.0.0.1:PORT/)\n",
            421,
            {"Content-Type": "text/plain; charset=utf-8"},
        )
