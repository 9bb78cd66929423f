"""The HTTP port, taken before anything is printed or started, so a busy port is said at once."""

from __future__ import annotations

import errno
import socket

# How far above a busy port to look for a free one to suggest.
_SUGGESTION_RANGE = 50


class PortUnavailable(Exception):
    """The server cannot listen on the host and port asked for; the message says why and what
    to do instead."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to `host:port` and listening, as uvicorn binds one (SO_REUSEADDR, IPv6
    when the host has a colon), to hand to uvicorn: nobody can take the port meanwhile.

    Raises PortUnavailable naming the port and, when it is in use, a free one to pass to
    `--port` instead.
    """
    try:
        return _bind(host, port)
    except OSError as error:
        raise PortUnavailable(_explain(host, port, error)) from error


def check_port(host: str, port: int) -> None:
    """Raise PortUnavailable when `host:port` cannot be listened on now (see listening_socket)."""
    listening_socket(host, port).close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        # Listening at once: on Linux two SO_REUSEADDR sockets may both bind a port until one
        # of them listens.
        sock.listen(socket.SOMAXCONN)
    except OSError:
        sock.close()
        raise
    return sock


def _explain(host: str, port: int, error: OSError) -> str:
    if error.errno != errno.EADDRINUSE:
        return f"cannot listen on {host}:{port}: {error.strerror or error}."
    advice = "Stop that program, or choose another port with --port"
    free = _free_port_above(host, port)
    if free is not None:
        advice += f" (for example --port {free})"
    return (
        f"port {port} on {host} is already in use: another program listens there "
        f"(perhaps an earlier `tessera demo` or `tessera serve`). {advice}."
    )


def _free_port_above(host: str, port: int) -> int | None:
    for candidate in range(port + 1, min(port + _SUGGESTION_RANGE, 65535) + 1):
        try:
            _bind(host, candidate).close()
        except OSError:
            continue
        return candidate
    return None
