"""Free loopback ports, and whether something listens on a port."""

import socket


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def can_connect(host: str, port: int, timeout: float = 3.0) -> bool:
    """True when a TCP connection to host:port opens within the timeout."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return True
        return False


def log_tail(path, lines: int = 20) -> str:
    """The last lines of a local peer's log on one line, for a one-line error."""
    try:
        text = open(path, errors="replace").read().strip().splitlines()
    except OSError:
        return ""
    return " | ".join(text[-lines:])
