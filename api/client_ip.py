"""The caller's IP address, trusting `X-Forwarded-For` only from configured proxies."""

from __future__ import annotations

import ipaddress

from litestar.types import Scope


def client_ip(scope: Scope, trusted_proxies: list[str]) -> str:
    peer = (scope.get("client") or ("unknown", 0))[0]
    if peer in trusted_proxies:
        for key, value in scope.get("headers", []):
            if key == b"x-forwarded-for":
                # The right-most address was added by our own proxy: that is the caller.
                candidate = value.decode("latin-1").split(",")[-1].strip()
                try:
                    return str(ipaddress.ip_address(candidate))
                except ValueError:
                    break
    return str(peer)


def is_internal(ip: str) -> bool:
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip == "testclient"  # Litestar's in-process test client
    return address.is_private or address.is_loopback
