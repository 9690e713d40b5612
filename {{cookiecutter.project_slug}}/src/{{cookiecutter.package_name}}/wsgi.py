"""The WSGI entry point that gunicorn serves (see gunicorn.conf.py)."""

import socket
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.middleware.proxy_fix import ProxyFix

from .app import create_app

if TYPE_CHECKING:  # the WSGI types exist for type checkers only
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

# The front door (compose.yaml's `proxy` service) and the proxies in front of the app: one, Caddy.
PROXY_HOST = "proxy"
PROXY_HOPS = 1


class FromProxy:
    """Werkzeug's ProxyFix, for requests whose peer is the proxy only.

    The proxy tells the app the client's address, scheme (https) and host in X-Forwarded-For,
    -Proto and -Host; it overwrites what a client sent in them itself. The app believes these
    headers only from an address of PROXY_HOST (looked up in Docker's DNS again when an unknown
    peer comes, at most once a second), and only PROXY_HOPS entries of them. Anyone else who
    reaches gunicorn directly (compose.override.yaml publishes it in development) is taken at
    their own address.
    """

    def __init__(
        self, wsgi_app: "WSGIApplication", host: str = PROXY_HOST, hops: int = PROXY_HOPS
    ) -> None:
        self.wsgi_app = wsgi_app
        self.behind_proxy = ProxyFix(wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
        self.host = host
        self.addresses: frozenset[str] = frozenset()
        self.looked_up = float("-inf")

    def is_proxy(self, address: str) -> bool:
        if address not in self.addresses and time.monotonic() - self.looked_up > 1:
            self.looked_up = time.monotonic()
            try:
                found = socket.getaddrinfo(self.host, None, proto=socket.IPPROTO_TCP)
                self.addresses = frozenset(str(info[4][0]) for info in found)
            except OSError:  # no such name: no proxy (a native run, a test)
                self.addresses = frozenset()
        return address in self.addresses

    def __call__(
        self, environ: "WSGIEnvironment", start_response: "StartResponse"
    ) -> Iterable[bytes]:
        trusted = self.is_proxy(environ.get("REMOTE_ADDR", ""))
        return (self.behind_proxy if trusted else self.wsgi_app)(environ, start_response)


app = create_app()
app.wsgi_app = FromProxy(app.wsgi_app)  # type: ignore[method-assign]
