"""HTTP health checks against loopback endpoints (no proxies)."""

import socket
import urllib.error
import urllib.parse
import urllib.request

# Never send loopback checks through an environment-configured proxy.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_ok(url: str, timeout: float = 3.0) -> bool:
    """True if GET ``url`` answers with a status below 400."""
    if not url.startswith("http://127."):
        raise ValueError(f"health checks are loopback-only: {url}")
    try:
        with _OPENER.open(url, timeout=timeout) as resp:
            return resp.status < 400
    except urllib.error.HTTPError as exc:
        return exc.code < 400
    except (OSError, ValueError):
        return False


def port_taken(url: str, timeout: float = 1.0) -> bool:
    """True if something already accepts TCP connections at ``url``."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname is None or parts.port is None:
        return False
    try:
        with socket.create_connection(
            (parts.hostname, parts.port), timeout=timeout
        ):
            return True
    except OSError:
        return False
