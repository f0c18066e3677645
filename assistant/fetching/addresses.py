"""Which addresses a URL added from the chat window may be fetched from: public ones only, unless a setting allows more."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit


def private_address(url: str) -> str:
    """Why url must not be fetched on behalf of the window (it names or resolves to a loopback,
    link-local, private or otherwise non-public address), or "" when every address it resolves to is public."""
    host = urlsplit(url).hostname or ""
    if not host:
        return f"no host in {url!r}"
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as error:
        return f"cannot resolve {host}: {error.strerror or error}"
    for info in infos:
        if problem := non_public(str(info[4][0])):
            return f"{host} is a {problem}; set fetch_allow_private to allow it"
    return ""


def non_public(ip: str) -> str:
    """What kind of non-public address `ip` is ("loopback address (127.0.0.1)"), or "" for a public one."""
    address = ipaddress.ip_address(ip.split("%")[0])
    if address.is_loopback or address.is_link_local or address.is_private or not address.is_global:
        kind = "loopback" if address.is_loopback else "link-local" if address.is_link_local else "private"
        return f"{kind} address ({address})"
    return ""
