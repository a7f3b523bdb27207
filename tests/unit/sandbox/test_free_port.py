"""`free_port` hands each port out once: tests pick several ports before anything binds them.

A demo run's test picked nine agency ports and then the portal's, each free at the time it was picked; when two
picks were the same port, the agency bound it first and the portal failed with "Address already in use".
"""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

from sandbox.launcher import free_port


def test_ports_picked_before_any_is_bound_are_all_different() -> None:
    picked = [free_port() for _ in range(300)]  # random picks from 10,000 would repeat about four times

    assert len(set(picked)) == len(picked)


def test_threads_picking_at_once_get_different_ports() -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        picked = list(pool.map(lambda _: free_port(), range(200)))

    assert len(set(picked)) == len(picked)


def test_a_picked_port_can_be_bound() -> None:
    port = free_port()

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
        assert sock.getsockname()[1] == port
