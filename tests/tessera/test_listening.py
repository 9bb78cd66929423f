"""The HTTP port is taken before anything starts; a busy one is said with a way out."""

from __future__ import annotations

import re
import socket

import pytest

from tessera.listening import PortUnavailable, check_port, listening_socket


def test_given_a_free_port_then_the_socket_listens_on_it() -> None:
    with listening_socket("127.0.0.1", 0) as taken:
        port = taken.getsockname()[1]
        # Then a client can connect at once, and nobody else can take the port meanwhile
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass
        with pytest.raises(PortUnavailable):
            check_port("127.0.0.1", port)


def test_given_a_busy_port_then_the_error_names_it_and_a_free_port_to_use() -> None:
    with listening_socket("127.0.0.1", 0) as busy:
        port = busy.getsockname()[1]

        with pytest.raises(PortUnavailable) as refused:
            listening_socket("127.0.0.1", port)

    message = str(refused.value)
    assert f"port {port} on 127.0.0.1 is already in use" in message
    suggested = re.search(r"--port (\d+)", message)
    assert suggested is not None and int(suggested.group(1)) > port
    check_port("127.0.0.1", int(suggested.group(1)))  # the suggestion is free


def test_given_an_address_not_of_this_machine_then_the_error_says_so() -> None:
    # 192.0.2.0/24 is TEST-NET-1: never a local address
    with pytest.raises(PortUnavailable, match=r"cannot listen on 192\.0\.2\.1:8000"):
        check_port("192.0.2.1", 8000)
