"""Where a webhook or chat message may go, and the one HTTP POST that takes it there.

A URL is checked when it is saved (scheme, no credentials, a host that resolves to public addresses
only) and again at every delivery against the address actually connected to: the host is resolved,
every address checked, and the connection made to that checked address (TLS still verifies the host
name), so a name that resolves to a public address at save and to 127.0.0.1 later (DNS rebinding)
is refused. Redirects are never followed (http.client follows none: a 3xx is a failed attempt), the
connection and each read wait at most OKRAPP_WEBHOOK_TIMEOUT seconds, the whole exchange at most
twice that, and no more than RESPONSE_CAP bytes of an answer are read."""
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from okrapp.integrations.rules import RESPONSE_CAP, address_allowed, url_problem


class TargetRefused(Exception):
    """The URL or the address it resolves to may not be a target; args[0] is a URL_PROBLEMS key."""

    @property
    def problem(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Answer:
    status: int
    body: str  # the first 500 characters, for the delivery log


def check(url: str, *, allow_private: bool, https_only: bool) -> list[str]:
    """The addresses url may be sent to, or TargetRefused."""
    problem = url_problem(url, https_only=https_only)
    if problem:
        raise TargetRefused(problem)
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise TargetRefused("unresolved") from None
    addresses = list(dict.fromkeys(info[4][0] for info in found))
    if not addresses:
        raise TargetRefused("unresolved")
    if not allow_private and not all(address_allowed(a) for a in addresses):
        raise TargetRefused("private")  # one private answer is enough to refuse: rebinding picks its moment
    return addresses


class _Pinned:
    """Connect to the checked addresses (the first that answers), not to whatever the name resolves to by then."""

    def __init__(self, addresses: list[str], *args, **kwargs):
        self.pinned_addresses = addresses
        super().__init__(*args, **kwargs)

    def _open(self):
        error = None
        for address in self.pinned_addresses:
            try:
                return socket.create_connection((address, self.port), self.timeout)
            except OSError as failure:
                error = failure
        raise error


class _PinnedHTTP(_Pinned, http.client.HTTPConnection):
    def connect(self):
        self.sock = self._open()


class _PinnedHTTPS(_Pinned, http.client.HTTPSConnection):
    def connect(self):
        self.sock = self._open()  # held before the handshake, so the deadline can cut a slow one too
        self.sock = self._context.wrap_socket(self.sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool,
         https_only: bool) -> Answer:
    """POST body to url once. Raises TargetRefused before connecting to a refused address, OSError
    (timeouts included) or http.client.HTTPException when the exchange fails."""
    addresses = check(url, allow_private=allow_private, https_only=https_only)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        connection = _PinnedHTTPS(addresses, parts.hostname, parts.port, timeout=timeout,
                                  context=ssl.create_default_context())
    else:
        connection = _PinnedHTTP(addresses, parts.hostname, parts.port, timeout=timeout)
    deadline = time.monotonic() + 2 * timeout
    # the whole exchange, the status line and headers included, ends at the deadline: a receiver that
    # trickles its headers a line at a time, each within the read timeout, has its connection cut
    fired = threading.Event()
    cut = threading.Timer(2 * timeout, _cut, (connection, fired))
    cut.daemon = True
    cut.start()
    try:
        connection.connect()
        connection.request("POST", path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": "okrapp-webhooks/1", **headers})
        response = connection.getresponse()
        answer = _read_capped(response, deadline)
        if fired.is_set():  # the cut socket read as the end of the answer: it was not
            raise TimeoutError("the receiver's answer took too long")
        return Answer(response.status, answer.decode("utf-8", "replace")[:500])
    except (OSError, http.client.HTTPException):
        if fired.is_set():
            raise TimeoutError("the receiver's answer took too long") from None
        raise
    finally:
        cut.cancel()
        connection.close()


def _cut(connection, fired: threading.Event) -> None:
    """The exchange's deadline passed: shut the socket, so the blocked read returns at once."""
    fired.set()
    sock = connection.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _read_capped(response, deadline: float) -> bytes:
    """At most RESPONSE_CAP bytes, and none after the deadline: a receiver that trickles its answer
    byte by byte, each within the read timeout, still lets the worker go."""
    chunks, size = [], 0
    while size < RESPONSE_CAP:
        if time.monotonic() > deadline:
            raise TimeoutError("the receiver's answer took too long")
        chunk = response.read1(min(8192, RESPONSE_CAP - size)) if hasattr(response, "read1") else b""
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
