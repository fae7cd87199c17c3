# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""A fault-injecting HTTP reverse proxy between Pumphouse and the clouds.

One listening port on 127.0.0.1 per upstream (an origin: scheme, host
and port, e.g. a cloud's Nova API). Each request is forwarded to its
upstream as it comes, bodies streamed both ways in 64 KiB pieces
(``Content-Length`` or chunked; an image of hundreds of MiB is never
held in memory), keep-alive on both sides. Nothing is changed on the way
but what must be, or clients would bypass the proxy:

* ``Host`` names the upstream; hop-by-hop headers (``Connection``,
  ``Keep-Alive``, ``Transfer-Encoding``, ``Expect``...) are the proxy's
  own on each side;
* in responses, every upstream origin (``http://127.0.0.1:25003``) in a
  ``Location``, ``Content-Location``, ``Link`` or ``WWW-Authenticate``
  header and in a JSON body becomes its proxy origin, and the
  ``Content-Length`` is recomputed. Absolute URLs come in Keystone's
  catalog (token and ``/v3/auth/catalog``) and its ``links``, every
  service's version discovery document (Glance's is built from its
  ``public_endpoint``, the others' from the ``Host`` header), the
  ``links``/``*_links`` of Nova, Cinder, Neutron and Ironic resources and
  pages, and the ``Location`` of a created Nova server or Glance image
  (WebOb makes it absolute). Glance's image ``self``/``file``/``schema``
  links and Placement's links are paths: nothing to do.

Faults: for each request a seeded generator decides (the seed is
printed; the same seed and the same order of requests give the same
faults) whether, with probability ``rate`` (default 10 %), one of these
happens instead of a plain forward:

``error``
    a 5xx answer with a JSON body (503, else 500, 502 or 504) without
    forwarding;
``reset_before``
    the connection is reset (``SO_LINGER`` 0, then close: an RST) as soon
    as the request's headers are in, nothing forwarded;
``reset_after``
    the request is forwarded, the cloud's whole answer read, and then the
    client's connection is reset: the cloud did it, the client does not
    know (the dangerous case for a POST);
``stall``
    nothing happens for ``stall_seconds`` (default 30), then the request
    is forwarded and answered; if the client gave up meanwhile it is not
    forwarded at all;
``stall_after``
    the request is forwarded at once, its answer held for
    ``stall_seconds`` (not in the default mix).

Which requests may be faulted, and how, is given by :class:`Rule`\\ s
(method, path regex, upstream name; first match wins). Every injected
fault is recorded (:attr:`FaultProxy.faults`, :meth:`FaultProxy.summary`).

Threads: one selector thread accepts connections and watches idle
keep-alive connections (they hold no thread), and a pool of at most
``max_workers`` threads serves requests. Standard library only, so it
runs in any virtualenv::

    python -m pumphouse.tests.functional.faultproxy \\
        --upstream compute=http://127.0.0.1:25003 --seed 42 --rate 0.1
"""

import argparse
import collections
import concurrent.futures
import dataclasses
import gzip
import http
import http.client
import json
import logging
import random
import re
import select
import selectors
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import zlib
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping

LOG = logging.getLogger(__name__)

DEFAULT_RATE = 0.10
DEFAULT_STALL_SECONDS = 30.0
KINDS = ('error', 'reset_before', 'reset_after', 'stall', 'stall_after')
#: Relative weights of the fault kinds when a request is faulted.
DEFAULT_MIX = {'error': 1.0, 'reset_before': 1.0, 'reset_after': 1.0,
               'stall': 1.0}
#: Relative weights of the statuses of an ``error`` fault.
DEFAULT_ERROR_STATUSES = {503: 2.0, 500: 1.0, 502: 1.0, 504: 1.0}

CHUNK = 64 * 1024
#: poll() events of a peer that closed: FIN (even with unread bytes
#: before it), RST, error.
_GONE = (getattr(select, 'POLLRDHUP', 0x2000) | select.POLLHUP
         | select.POLLERR)
#: JSON bodies up to this size are rewritten; larger ones pass as they are.
REWRITE_LIMIT = 16 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
#: Headers that belong to one hop (RFC 9110 7.6.1), never forwarded.
HOP_BY_HOP = frozenset({
    'connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate',
    'proxy-authorization', 'te', 'trailer', 'transfer-encoding',
    'upgrade', 'expect'})
#: Response headers whose upstream URLs are rewritten.
URL_HEADERS = frozenset({'location', 'content-location', 'link',
                         'www-authenticate'})


class BadRequest(Exception):
    """The client sent something that is not HTTP/1.x."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """Which requests a fault setting applies to; the first rule of
    :attr:`FaultProxy.rules` that matches a request decides.

    ``methods`` (upper case) and ``upstreams`` (names) are sets, None for
    any; ``path`` is a regular expression searched in the path (without
    the query). ``rate`` replaces the proxy's rate (0 never faults) and
    ``kinds`` restricts the kinds drawn (with the proxy's weights).
    """

    methods: frozenset[str] | None = None
    path: str | None = None
    upstreams: frozenset[str] | None = None
    rate: float | None = None
    kinds: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.methods is not None:
            object.__setattr__(self, 'methods',
                               frozenset(m.upper() for m in self.methods))
        if self.upstreams is not None:
            object.__setattr__(self, 'upstreams', frozenset(self.upstreams))
        if self.kinds is not None:
            unknown = set(self.kinds) - set(KINDS)
            if unknown:
                raise ValueError(f'unknown fault kinds {sorted(unknown)}')
        if self.path is not None:
            re.compile(self.path)

    def matches(self, upstream: str, method: str, path: str) -> bool:
        return ((self.methods is None or method in self.methods)
                and (self.upstreams is None or upstream in self.upstreams)
                and (self.path is None
                     or re.search(self.path, path) is not None))


#: Never fault a token request (e.g. when a test wants every
#: authentication to work): ``rules=[NO_TOKEN_FAULTS]``.
NO_TOKEN_FAULTS = Rule(methods=frozenset({'POST'}),
                       path=r'/auth/tokens/?$', rate=0.0)


@dataclasses.dataclass(frozen=True)
class Fault:
    """One injected fault.

    ``seq`` is the request's number in the proxy's order of decisions;
    ``forwarded`` says whether the upstream got the request (for
    ``reset_after`` and the stalls, ``upstream_status`` is its answer);
    ``client_gone`` that the client closed before the answer.
    """

    time: float
    seq: int
    upstream: str
    method: str
    path: str
    kind: str
    status: int | None = None
    forwarded: bool = False
    upstream_status: int | None = None
    client_gone: bool = False


@dataclasses.dataclass(frozen=True)
class _Decision:
    seq: int
    kind: str | None
    status: int | None


@dataclasses.dataclass
class _Upstream:
    name: str
    url: str
    scheme: str
    host: str
    port: int
    origin: str
    listener: socket.socket | None = None
    proxy_origin: str = ''
    idle: list = dataclasses.field(default_factory=list)

    @property
    def netloc(self) -> str:
        default = 443 if self.scheme == 'https' else 80
        if self.port == default:
            return self.host
        return f'{self.host}:{self.port}'


def _origin(url: str) -> tuple[str, str, int]:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != 'http':
        raise ValueError(f'{url}: only http upstreams are proxied')
    if not parts.hostname:
        raise ValueError(f'{url}: no host')
    return parts.scheme, parts.hostname, parts.port or 80


class _Request:
    """A request's head as the client sent it."""

    def __init__(self, method: str, target: str, version: str,
                 headers: list[tuple[str, str]]) -> None:
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.path = urllib.parse.urlsplit(target).path or '/'
        names = {}
        for name, value in headers:
            key = name.lower()
            names[key] = f'{names[key]}, {value}' if key in names else value
        self._names = names
        encodings = [e.strip().lower() for e in
                     names.get('transfer-encoding', '').split(',')
                     if e.strip()]
        self.chunked = bool(encodings) and encodings[-1] == 'chunked'
        if encodings and not self.chunked:
            raise BadRequest('a request body must end with chunked')
        length = names.get('content-length')
        self.length = None
        if not self.chunked and length is not None:
            if not length.strip().isdigit():
                raise BadRequest(f'bad Content-Length {length!r}')
            self.length = int(length)
        tokens = {t.strip().lower()
                  for t in names.get('connection', '').split(',')}
        self.connection_tokens = tokens - {''}
        self.keep_alive = (version == 'HTTP/1.1' and 'close' not in tokens
                           ) or (version == 'HTTP/1.0'
                                 and 'keep-alive' in tokens)
        self.expect_continue = (names.get('expect', '').lower()
                                == '100-continue')

    def header(self, name: str) -> str | None:
        return self._names.get(name.lower())

    @property
    def has_body(self) -> bool:
        return self.chunked or bool(self.length)


class _ClientConnection:
    """A client's socket with the bytes read ahead of the current
    request (a pipelined next request, if any)."""

    def __init__(self, sock: socket.socket, upstream: _Upstream) -> None:
        self.sock = sock
        self.upstream = upstream
        self.buffer = bytearray()
        self.idle_since = time.monotonic()

    def _fill(self) -> bool:
        data = self.sock.recv(CHUNK)
        if not data:
            return False
        self.buffer += data
        return True

    def read_head(self) -> _Request | None:
        """The next request's head; None when the client closed."""
        while b'\r\n\r\n' not in self.buffer:
            if len(self.buffer) > MAX_HEADER_BYTES:
                raise BadRequest('request head too large')
            if not self._fill():
                if self.buffer.strip():
                    raise BadRequest('connection closed mid-request')
                return None
            # Tolerate empty lines before a request (RFC 9112 2.2).
            while self.buffer.startswith(b'\r\n'):
                del self.buffer[:2]
        end = self.buffer.index(b'\r\n\r\n')
        head = bytes(self.buffer[:end]).decode('latin-1')
        del self.buffer[:end + 4]
        lines = head.split('\r\n')
        try:
            method, target, version = lines[0].split(' ')
        except ValueError:
            raise BadRequest(f'bad request line {lines[0]!r}') from None
        if version not in ('HTTP/1.1', 'HTTP/1.0'):
            raise BadRequest(f'unsupported version {version!r}')
        headers = []
        for line in lines[1:]:
            name, sep, value = line.partition(':')
            if not sep or not name or name != name.strip():
                raise BadRequest(f'bad header line {line!r}')
            headers.append((name, value.strip()))
        return _Request(method, target, version, headers)

    def _read_some(self, limit: int) -> bytes:
        if self.buffer:
            data = bytes(self.buffer[:limit])
            del self.buffer[:limit]
            return data
        data = self.sock.recv(min(limit, CHUNK))
        if not data:
            raise ConnectionError('client closed mid-body')
        return data

    def _read_line(self) -> bytes:
        while b'\r\n' not in self.buffer:
            if len(self.buffer) > MAX_HEADER_BYTES:
                raise BadRequest('chunk line too long')
            if not self._fill():
                raise ConnectionError('client closed mid-body')
        end = self.buffer.index(b'\r\n')
        line = bytes(self.buffer[:end])
        del self.buffer[:end + 2]
        return line

    def body(self, request: _Request) -> Iterator[bytes]:
        """The request's body in pieces of at most 64 KiB, de-chunked."""
        if request.chunked:
            while True:
                size_text = self._read_line().split(b';')[0].strip()
                try:
                    size = int(size_text, 16)
                except ValueError:
                    raise BadRequest(
                        f'bad chunk size {size_text!r}') from None
                if size == 0:
                    while self._read_line():  # trailers, dropped
                        pass
                    return
                while size:
                    data = self._read_some(min(size, CHUNK))
                    size -= len(data)
                    yield data
                if self._read_line():
                    raise BadRequest('chunk not followed by CRLF')
        else:
            left = request.length or 0
            while left:
                data = self._read_some(min(left, CHUNK))
                left -= len(data)
                yield data

    def client_gone(self) -> bool:
        """True if the client closed (or reset) its side, even with bytes
        of its request still unread; never blocks."""
        poller = select.poll()
        poller.register(self.sock, _GONE)
        return any(events & _GONE for _fd, events in poller.poll(0))

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def reset(self) -> None:
        """Close with an RST instead of a FIN."""
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack('ii', 1, 0))
        except OSError:
            pass
        self.sock.close()

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class FaultProxy:
    """The proxy; see the module's docstring.

    ``upstreams`` maps a name (used by :class:`Rule` and in the records)
    to an upstream URL; only its origin counts, and each origin gets a
    port of its own (``ports`` may fix them, by name; free ones
    otherwise). Use as a context manager, or :meth:`start`/:meth:`stop`.
    """

    def __init__(self, upstreams: Mapping[str, str], *,
                 seed: int | None = None,
                 rate: float = DEFAULT_RATE,
                 mix: Mapping[str, float] | None = None,
                 error_statuses: Mapping[int, float] | None = None,
                 stall_seconds: float = DEFAULT_STALL_SECONDS,
                 rules: Iterable[Rule] = (),
                 host: str = '127.0.0.1',
                 ports: Mapping[str, int] | None = None,
                 max_workers: int = 64,
                 idle_timeout: float = 300.0,
                 upstream_timeout: float = 600.0,
                 client_timeout: float = 600.0,
                 record_requests: bool = False,
                 rewrite: bool = True) -> None:
        if not upstreams:
            raise ValueError('no upstream to proxy')
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f'rate {rate} is not in [0, 1]')
        self.seed = (seed if seed is not None
                     else random.SystemRandom().randrange(2 ** 32))
        self.rate = rate
        self.mix = dict(DEFAULT_MIX if mix is None else mix)
        unknown = set(self.mix) - set(KINDS)
        if unknown:
            raise ValueError(f'unknown fault kinds {sorted(unknown)}')
        if rate and not any(w > 0 for w in self.mix.values()):
            raise ValueError('the mix gives no kind a weight')
        self.error_statuses = dict(DEFAULT_ERROR_STATUSES
                                   if error_statuses is None
                                   else error_statuses)
        if any(not 500 <= s <= 599 for s in self.error_statuses):
            raise ValueError('error statuses must be 5xx')
        self.stall_seconds = stall_seconds
        self.rules = list(rules)
        self.host = host
        self.max_workers = max_workers
        self.idle_timeout = idle_timeout
        self.upstream_timeout = upstream_timeout
        self.client_timeout = client_timeout
        #: False only to show what clients do without the rewriting.
        self.rewrite = rewrite
        self._upstreams: dict[str, _Upstream] = {}
        origins = {}
        for name, url in upstreams.items():
            scheme, uhost, uport = _origin(url)
            origin = f'{scheme}://{uhost}:{uport}'
            if origin in origins:
                raise ValueError(f'{name} and {origins[origin]} have the '
                                 f'same origin {origin}')
            origins[origin] = name
            self._upstreams[name] = _Upstream(name, url, scheme, uhost,
                                              uport, origin)
        self._ports = dict(ports or {})
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._seq = 0
        self._faults: list[Fault] = []
        self._requests: list[tuple[str, str, str]] | None = (
            [] if record_requests else None)
        self._forwarded = collections.Counter()
        self._selector: selectors.BaseSelector | None = None
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._loop_thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._parked: collections.deque = collections.deque()
        self._idle: dict[socket.socket, _ClientConnection] = {}
        self._active: set[_ClientConnection] = set()
        self._upstream_active: set[http.client.HTTPConnection] = set()
        self._wake_r: socket.socket | None = None
        self._wake_w: socket.socket | None = None
        self._rewrite_re: re.Pattern | None = None
        self._rewrite_map: dict[str, str] = {}

    # -- life cycle ------------------------------------------------------

    def __enter__(self) -> 'FaultProxy':
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        """Listen and serve; prints the seed to stderr."""
        if self._loop_thread is not None:
            raise RuntimeError('already started')
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        try:
            for upstream in self._upstreams.values():
                listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR,
                                    1)
                listener.bind((self.host, self._ports.get(upstream.name, 0)))
                listener.listen(128)
                listener.setblocking(False)
                upstream.listener = listener
                upstream.proxy_origin = (
                    f'http://{self.host}:{listener.getsockname()[1]}')
                self._selector.register(listener, selectors.EVENT_READ,
                                        upstream)
        except OSError:
            self._close_listeners()
            raise
        self._build_rewriter()
        self._executor = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.max_workers, thread_name_prefix='faultproxy')
        self._loop_thread = threading.Thread(
            target=self._loop, name='faultproxy-loop', daemon=True)
        self._loop_thread.start()
        print(f'faultproxy: seed {self.seed}, rate {self.rate}, '
              f'stall {self.stall_seconds}s, {len(self._upstreams)} '
              'upstreams', file=sys.stderr, flush=True)
        LOG.info('faultproxy seed %s', self.seed)

    def stop(self) -> None:
        """Stop listening, end every connection and wait for the
        workers (a stall ends at once)."""
        if self._loop_thread is None:
            return
        self._stopping.set()
        self._wake()
        self._loop_thread.join()
        with self._lock:
            active = list(self._active)
            upstream_active = list(self._upstream_active)
        for conn in active:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for hc in upstream_active:
            try:
                if hc.sock is not None:
                    hc.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._executor.shutdown(wait=True)
        for conn in list(self._idle.values()) + list(self._parked):
            conn.close()
        self._idle.clear()
        self._parked.clear()
        for upstream in self._upstreams.values():
            for hc in upstream.idle:
                hc.close()
            upstream.idle.clear()
        self._close_listeners()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()
        self._loop_thread = None

    def _close_listeners(self) -> None:
        for upstream in self._upstreams.values():
            if upstream.listener is not None:
                upstream.listener.close()
                upstream.listener = None

    # -- what the tests read --------------------------------------------

    @property
    def faults(self) -> list[Fault]:
        """Every fault injected so far, in order."""
        with self._lock:
            return list(self._faults)

    def summary(self) -> dict[str, int]:
        """How many faults of each kind, plus ``requests`` (all requests
        seen) and ``faults`` (their total)."""
        with self._lock:
            counts = collections.Counter(f.kind for f in self._faults)
            counts['faults'] = len(self._faults)
            counts['requests'] = self._seq
        return dict(counts)

    @property
    def requests(self) -> list[tuple[str, str, str]]:
        """(upstream, method, target) of every request forwarded, when
        ``record_requests`` is on."""
        if self._requests is None:
            raise RuntimeError('record_requests is off')
        with self._lock:
            return list(self._requests)

    def forwarded(self) -> dict[str, int]:
        """Requests forwarded, per upstream name."""
        with self._lock:
            return dict(self._forwarded)

    def origin(self, name: str) -> str:
        """The proxy's origin (``http://127.0.0.1:PORT``) for upstream
        ``name``."""
        upstream = self._upstreams[name]
        if not upstream.proxy_origin:
            raise RuntimeError('the proxy is not started')
        return upstream.proxy_origin

    def url(self, upstream_url: str) -> str:
        """``upstream_url`` with its origin replaced by the proxy's (an
        URL of no proxied origin is returned as it is)."""
        if self._rewrite_re is None:
            raise RuntimeError('the proxy is not started')
        return self._rewrite_text(upstream_url)

    @property
    def upstream_names(self) -> list[str]:
        return list(self._upstreams)

    # -- decisions -------------------------------------------------------

    def _decide(self, upstream: str, method: str, path: str) -> _Decision:
        """The fault for the next request, if any. Three draws per
        request whatever the rules say, so that rules do not shift the
        sequence of later requests."""
        with self._lock:
            seq = self._seq
            self._seq += 1
            roll, pick, status_pick = (self._rng.random(),
                                       self._rng.random(),
                                       self._rng.random())
        rate, kinds = self.rate, None
        for rule in self.rules:
            if rule.matches(upstream, method, path):
                if rule.rate is not None:
                    rate = rule.rate
                kinds = rule.kinds
                break
        if roll >= rate:
            return _Decision(seq, None, None)
        weights = {k: w for k, w in self.mix.items()
                   if w > 0 and (kinds is None or k in kinds)}
        if not weights:
            return _Decision(seq, None, None)
        kind = _weighted(weights, pick)
        status = (_weighted(self.error_statuses, status_pick)
                  if kind == 'error' else None)
        return _Decision(seq, kind, status)

    def _record(self, decision: _Decision, upstream: _Upstream,
                request: _Request, **details) -> None:
        fault = Fault(time=time.time(), seq=decision.seq,
                      upstream=upstream.name, method=request.method,
                      path=request.path, kind=decision.kind,
                      status=decision.status, **details)
        with self._lock:
            self._faults.append(fault)
        LOG.info('faultproxy: %s %s %s %s', fault.kind, fault.upstream,
                 fault.method, fault.path)

    # -- the selector loop -------------------------------------------------

    def _wake(self) -> None:
        try:
            self._wake_w.send(b'x')
        except OSError:
            pass

    def _loop(self) -> None:
        selector = self._selector
        while not self._stopping.is_set():
            for key, _events in selector.select(timeout=1.0):
                if key.fileobj is self._wake_r:
                    try:
                        while self._wake_r.recv(4096):
                            pass
                    except BlockingIOError:
                        pass
                elif isinstance(key.data, _Upstream):
                    self._accept(key.fileobj, key.data)
                else:
                    conn = key.data
                    selector.unregister(conn.sock)
                    del self._idle[conn.sock]
                    self._dispatch(conn)
            while self._parked:
                conn = self._parked.popleft()
                if self._stopping.is_set():
                    conn.close()
                    continue
                conn.idle_since = time.monotonic()
                self._idle[conn.sock] = conn
                selector.register(conn.sock, selectors.EVENT_READ, conn)
            now = time.monotonic()
            for sock, conn in list(self._idle.items()):
                if now - conn.idle_since > self.idle_timeout:
                    selector.unregister(sock)
                    del self._idle[sock]
                    conn.close()

    def _accept(self, listener: socket.socket, upstream: _Upstream) -> None:
        while True:
            try:
                sock, _peer = listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                LOG.exception('faultproxy: accept failed')
                return
            sock.setblocking(True)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self._dispatch(_ClientConnection(sock, upstream))

    def _dispatch(self, conn: _ClientConnection) -> None:
        with self._lock:
            self._active.add(conn)
        try:
            self._executor.submit(self._serve, conn)
        except RuntimeError:  # shutting down
            with self._lock:
                self._active.discard(conn)
            conn.close()

    def _park(self, conn: _ClientConnection) -> None:
        """Back to the selector until the next request comes."""
        self._parked.append(conn)
        self._wake()

    # -- serving -------------------------------------------------------------

    def _serve(self, conn: _ClientConnection) -> None:
        keep = False
        try:
            conn.sock.settimeout(self.client_timeout)
            while not self._stopping.is_set():
                keep = False
                try:
                    request = conn.read_head()
                except BadRequest as e:
                    self._answer_error(conn, 400, str(e), close=True)
                    return
                if request is None:
                    return
                try:
                    keep = self._handle(conn, request)
                except _UpstreamDown as e:
                    LOG.warning('faultproxy: %s', e)
                    self._answer_error(conn, 502, f'faultproxy: {e}',
                                       close=True)
                    return
                if not keep or not conn.buffer:
                    break
        except (OSError, BadRequest) as e:
            keep = False
            LOG.debug('faultproxy: connection ended: %s', e)
        except Exception:
            keep = False
            LOG.exception('faultproxy: error serving a request')
        finally:
            with self._lock:
                self._active.discard(conn)
            if keep and not self._stopping.is_set():
                self._park(conn)
            elif conn.sock.fileno() != -1:
                conn.close()

    def _handle(self, conn: _ClientConnection, request: _Request) -> bool:
        """Serve one request; True to keep the connection."""
        upstream = conn.upstream
        decision = self._decide(upstream.name, request.method, request.path)
        kind = decision.kind
        if kind == 'reset_before':
            self._record(decision, upstream, request)
            conn.reset()
            return False
        if kind == 'error':
            self._record(decision, upstream, request)
            if request.expect_continue:
                # The body is not sent yet: answer, and close.
                self._answer_error(conn, decision.status,
                                   self._fault_message(decision, request),
                                   close=True, fault=kind)
                return False
            for _ in conn.body(request):  # drain, keep the connection
                pass
            return self._answer_error(
                conn, decision.status, self._fault_message(decision,
                                                           request),
                close=not request.keep_alive, fault=kind)
        if kind == 'stall':
            gone = self._stall(conn)
            if gone:
                self._record(decision, upstream, request, client_gone=True)
                conn.close()
                return False
        if request.expect_continue:
            conn.send(b'HTTP/1.1 100 Continue\r\n\r\n')
        hc, response = self._forward(upstream, conn, request)
        try:
            if kind == 'reset_after':
                self._drain(response)
                self._release(upstream, hc, response)
                hc = None
                self._record(decision, upstream, request, forwarded=True,
                             upstream_status=response.status)
                conn.reset()
                return False
            if kind == 'stall_after':
                gone = self._stall(conn)
                if gone:
                    self._record(decision, upstream, request,
                                 forwarded=True,
                                 upstream_status=response.status,
                                 client_gone=True)
                    return False
            try:
                keep = self._respond(conn, request, response)
            finally:
                if kind in ('stall', 'stall_after'):
                    self._record(decision, upstream, request,
                                 forwarded=True,
                                 upstream_status=response.status,
                                 client_gone=conn.client_gone())
            if not response.isclosed():
                hc.close()
            else:
                self._release(upstream, hc, response)
            hc = None
            return keep
        finally:
            if hc is not None:
                hc.close()
                with self._lock:
                    self._upstream_active.discard(hc)

    def _stall(self, conn: _ClientConnection) -> bool:
        """Wait ``stall_seconds``; True if the client went away."""
        end = time.monotonic() + self.stall_seconds
        while True:
            left = end - time.monotonic()
            if left <= 0:
                return False
            if self._stopping.wait(min(left, 0.25)):
                return True
            if conn.client_gone():
                return True

    @staticmethod
    def _fault_message(decision: _Decision, request: _Request) -> str:
        return (f'faultproxy: injected {decision.status} on '
                f'{request.method} {request.path}')

    def _answer_error(self, conn: _ClientConnection, status: int,
                      message: str, close: bool,
                      fault: str | None = None) -> bool:
        """A JSON error answer of the proxy's own (an injected fault, a
        bad request or an upstream that cannot be reached)."""
        title = http.HTTPStatus(status).phrase
        body = json.dumps({'error': {'code': status, 'title': title,
                                     'message': message}}).encode()
        head = [f'HTTP/1.1 {status} {title}',
                'Content-Type: application/json',
                f'Content-Length: {len(body)}']
        if fault:
            head.append(f'X-Fault-Injected: {fault} {status}')
        if close:
            head.append('Connection: close')
        conn.send(('\r\n'.join(head) + '\r\n\r\n').encode('latin-1') + body)
        return not close

    # -- upstream side -------------------------------------------------------

    def _upstream_connection(self, upstream: _Upstream, fresh: bool
                             ) -> tuple[http.client.HTTPConnection, bool]:
        """A pooled connection still open (unless ``fresh``), else a new
        one; and whether it was pooled."""
        while not fresh:
            with self._lock:
                hc = upstream.idle.pop() if upstream.idle else None
            if hc is None:
                break
            if hc.sock is not None and not _dropped(hc.sock):
                return hc, True
            hc.close()
        hc = http.client.HTTPConnection(upstream.host, upstream.port,
                                        timeout=self.upstream_timeout)
        hc.connect()
        hc.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return hc, False

    def _release(self, upstream: _Upstream, hc, response) -> None:
        with self._lock:
            self._upstream_active.discard(hc)
            if (not response.will_close and hc.sock is not None
                    and len(upstream.idle) < self.max_workers):
                upstream.idle.append(hc)
                return
        hc.close()

    def _forward(self, upstream: _Upstream, conn: _ClientConnection,
                 request: _Request):
        """Send ``request`` (its body streamed from the client) upstream;
        the upstream connection and its response (head read)."""
        # A small body is read first so that a pooled connection the
        # upstream had closed can be retried on a new one; a large one is
        # streamed on a new connection.
        small = not request.chunked and (request.length or 0) <= CHUNK
        body: Iterable[bytes] = (
            [b''.join(conn.body(request))] if small else conn.body(request))
        with self._lock:
            if self._requests is not None:
                self._requests.append((upstream.name, request.method,
                                       request.target))
            self._forwarded[upstream.name] += 1
        attempts = 2 if small else 1
        for attempt in range(attempts):
            try:
                hc, pooled = self._upstream_connection(
                    upstream, fresh=not small)
            except OSError as e:
                raise _UpstreamDown(upstream, e) from e
            with self._lock:
                self._upstream_active.add(hc)
            try:
                self._send_request(hc, upstream, request, body)
                _quickack(hc.sock)
                return hc, hc.getresponse()
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError) as e:
                hc.close()
                with self._lock:
                    self._upstream_active.discard(hc)
                if not pooled or attempt == attempts - 1:
                    raise _UpstreamDown(upstream, e) from e
            except BaseException:
                hc.close()
                with self._lock:
                    self._upstream_active.discard(hc)
                raise
        raise AssertionError('unreachable')

    def _send_request(self, hc, upstream: _Upstream, request: _Request,
                      body: Iterable[bytes]) -> None:
        hc.putrequest(request.method, request.target, skip_host=True,
                      skip_accept_encoding=True)
        drop = HOP_BY_HOP | request.connection_tokens | {'host',
                                                         'content-length'}
        hc.putheader('Host', upstream.netloc)
        for name, value in request.headers:
            if name.lower() not in drop:
                hc.putheader(name, value)
        if request.chunked:
            hc.putheader('Transfer-Encoding', 'chunked')
        elif request.length is not None:
            hc.putheader('Content-Length', str(request.length))
        hc.endheaders()
        for piece in body:
            if not piece:
                continue
            if request.chunked:
                hc.send(b'%x\r\n%b\r\n' % (len(piece), piece))
            else:
                hc.send(piece)
        if request.chunked:
            hc.send(b'0\r\n\r\n')

    @staticmethod
    def _drain(response) -> None:
        while response.read(CHUNK):
            pass

    # -- answering the client ---------------------------------------------

    def _respond(self, conn: _ClientConnection, request: _Request,
                 response) -> bool:
        """Stream (or rewrite) the upstream's response to the client; True
        to keep the client's connection."""
        status = response.status
        headers = _response_headers(response)
        bodyless = (request.method == 'HEAD' or status in (204, 304)
                    or 100 <= status < 200)
        keep = request.keep_alive
        out = []
        for name, value in headers:
            if self.rewrite and name.lower() in URL_HEADERS:
                value = self._rewrite_text(value)
            out.append((name, value))
        length_text = response.getheader('Content-Length')
        length = (int(length_text) if length_text and length_text.isdigit()
                  and response.getheader('Transfer-Encoding') is None
                  else None)
        body, prefix = None, b''
        if (self.rewrite and not bodyless
                and _is_json(response.getheader('Content-Type'))):
            try:
                body = self._rewritten_body(response, length)
            except _TooLarge as e:
                prefix = e.head
        if body is not None:
            data, encoding_dropped = body
            if encoding_dropped:
                out = [(n, v) for n, v in out
                       if n.lower() != 'content-encoding']
            out = [(n, v) for n, v in out if n.lower() != 'content-length']
            out.append(('Content-Length', str(len(data))))
            self._send_head(conn, request, status, response.reason, out,
                            keep)
            conn.send(data)
            return keep
        if bodyless:
            self._send_head(conn, request, status, response.reason, out,
                            keep)
            self._drain(response)
            return keep
        if length is not None:
            self._send_head(conn, request, status, response.reason, out,
                            keep)
            left = length
            while left:
                data = response.read(min(CHUNK, left))
                if not data:
                    raise ConnectionError('upstream closed mid-body')
                conn.send(data)
                left -= len(data)
            self._drain(response)  # marks it complete
            return keep
        out = [(n, v) for n, v in out if n.lower() != 'content-length']
        if request.version == 'HTTP/1.1':
            out.append(('Transfer-Encoding', 'chunked'))
            self._send_head(conn, request, status, response.reason, out,
                            keep)
            if prefix:
                conn.send(b'%x\r\n%b\r\n' % (len(prefix), prefix))
            while True:
                data = response.read1(CHUNK)
                if not data:
                    break
                conn.send(b'%x\r\n%b\r\n' % (len(data), data))
            conn.send(b'0\r\n\r\n')
            return keep
        # HTTP/1.0 client: the body ends with the connection.
        self._send_head(conn, request, status, response.reason, out, False)
        conn.send(prefix)
        while True:
            data = response.read1(CHUNK)
            if not data:
                break
            conn.send(data)
        return False

    @staticmethod
    def _send_head(conn: _ClientConnection, request: _Request, status: int,
                   reason: str, headers: list[tuple[str, str]],
                   keep: bool) -> None:
        lines = [f'HTTP/1.1 {status} {reason}']
        lines += [f'{n}: {v}' for n, v in headers]
        if not keep:
            lines.append('Connection: close')
        elif request.version == 'HTTP/1.0':
            lines.append('Connection: keep-alive')
        conn.send(('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1'))

    def _rewritten_body(self, response, length: int | None
                        ) -> tuple[bytes, bool] | None:
        """The JSON body with upstream URLs rewritten, and whether its
        Content-Encoding was undone; None (nothing read) when it is too
        large to rewrite."""
        if length is not None and length > REWRITE_LIMIT:
            return None
        if length is None:
            # Chunked or close-delimited: read up to the limit.
            pieces, size = [], 0
            while True:
                data = response.read1(CHUNK)
                if not data:
                    break
                pieces.append(data)
                size += len(data)
                if size > REWRITE_LIMIT:
                    raise _TooLarge(b''.join(pieces))
            raw = b''.join(pieces)
        else:
            raw = response.read(length)
        encoding = (response.getheader('Content-Encoding') or '').lower()
        text = raw
        if encoding in ('gzip', 'x-gzip'):
            text = gzip.decompress(raw)
        elif encoding == 'deflate':
            text = zlib.decompress(raw)
        elif encoding not in ('', 'identity'):
            return raw, False
        rewritten = self._rewrite_bytes(text)
        if rewritten == text:
            return raw, False
        return rewritten, encoding not in ('', 'identity')

    # -- URL rewriting -------------------------------------------------------

    def _build_rewriter(self) -> None:
        mapping = {}
        for upstream in self._upstreams.values():
            proxy = upstream.proxy_origin
            variants = {upstream.origin}
            if upstream.port == 80:
                variants.add(f'http://{upstream.host}')
            for variant in variants:
                mapping[variant] = proxy
                mapping[variant.replace('/', '\\/')] = proxy.replace(
                    '/', '\\/')
        self._rewrite_map = mapping
        alternatives = '|'.join(
            re.escape(k) for k in sorted(mapping, key=len, reverse=True))
        # Not when the port goes on (":250031") or a name does
        # ("127.0.0.10").
        self._rewrite_re = re.compile(f'(?:{alternatives})(?![0-9A-Za-z.:-])')
        self._rewrite_bytes_re = re.compile(
            self._rewrite_re.pattern.encode('latin-1'))
        self._rewrite_bytes_map = {k.encode('latin-1'): v.encode('latin-1')
                                   for k, v in mapping.items()}

    def _rewrite_text(self, text: str) -> str:
        return self._rewrite_re.sub(lambda m: self._rewrite_map[m[0]], text)

    def _rewrite_bytes(self, data: bytes) -> bytes:
        return self._rewrite_bytes_re.sub(
            lambda m: self._rewrite_bytes_map[m[0]], data)


class _UpstreamDown(Exception):
    def __init__(self, upstream: _Upstream, error: Exception) -> None:
        super().__init__(f'{upstream.name} ({upstream.origin}): {error}')


class _TooLarge(Exception):
    def __init__(self, head: bytes) -> None:
        super().__init__('body too large to rewrite')
        self.head = head


def _weighted(weights: Mapping, roll: float):
    """The key of ``weights`` that ``roll`` (in [0, 1)) falls on."""
    total = sum(weights.values())
    point = roll * total
    for key, weight in weights.items():
        point -= weight
        if point < 0:
            return key
    return list(weights)[-1]


def _dropped(sock: socket.socket) -> bool:
    """True if an idle upstream connection was closed (or has stray
    bytes) and must not be reused."""
    # Readable while idle: closed by the upstream, or stray bytes.
    return _readable(sock)


def _readable(sock: socket.socket) -> bool:
    """Whether ``sock`` has bytes (or an end) to read, without waiting
    (``recv`` with ``MSG_DONTWAIT`` would still wait on a socket that has
    a timeout)."""
    poller = select.poll()
    poller.register(sock, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _quickack(sock: socket.socket) -> None:
    """ACK the answer's first segment at once: an upstream that writes
    its head and its body apart, with Nagle on, would otherwise wait for
    our delayed ACK (40 ms) on a reused connection."""
    quickack = getattr(socket, 'TCP_QUICKACK', None)
    if quickack is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, quickack, 1)
        except OSError:
            pass


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(';')[0].strip().lower()
    return media == 'application/json' or media.endswith('+json') or (
        media.startswith('application/') and media.endswith('-json'))


def _response_headers(response) -> list[tuple[str, str]]:
    tokens = {t.strip().lower() for t in
              (response.getheader('Connection') or '').split(',')}
    drop = HOP_BY_HOP | tokens
    return [(n, v) for n, v in response.getheaders()
            if n.lower() not in drop]


# -- command line ---------------------------------------------------------


def _parse_weights(text: str, key=str) -> dict:
    weights = {}
    for part in text.split(','):
        name, _, weight = part.partition('=')
        weights[key(name.strip())] = float(weight) if weight else 1.0
    return weights


def _parse_rule(text: str, rate: float) -> Rule:
    """``[METHOD,...] PATH_REGEX`` or ``upstream=NAME,...``."""
    if text.startswith('upstream='):
        return Rule(upstreams=frozenset(text[9:].split(',')), rate=rate)
    method, _, path = text.partition(' ')
    if not path:
        method, path = '', method
    return Rule(methods=(frozenset(method.split(',')) if method else None),
                path=path, rate=rate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog='python -m pumphouse.tests.functional.faultproxy',
        description='A fault-injecting HTTP reverse proxy on 127.0.0.1.')
    parser.add_argument('--upstream', action='append', default=[],
                        metavar='NAME=URL', help='an upstream to proxy')
    parser.add_argument('--clouds-yaml', metavar='FILE',
                        help='proxy every API of the --cloud entries of '
                             'this (tools/minicloud) clouds.yaml')
    parser.add_argument('--cloud', action='append', default=[],
                        metavar='NAME[:ROLE]',
                        help='a cloud of --clouds-yaml (role source or '
                             'destination, default: its name)')
    parser.add_argument('--write-clouds-yaml', metavar='FILE',
                        help='write the proxied clouds.yaml here')
    parser.add_argument('--seed', type=int)
    parser.add_argument('--rate', type=float, default=DEFAULT_RATE)
    parser.add_argument('--stall', type=float, default=DEFAULT_STALL_SECONDS,
                        help='seconds a stall lasts')
    parser.add_argument('--mix', help='kind=weight,... of ' + ', '.join(KINDS))
    parser.add_argument('--errors', help='status=weight,... of 5xx statuses')
    parser.add_argument('--never', action='append', default=[],
                        metavar='RULE',
                        help='never fault: "[METHOD,...] PATH_REGEX" or '
                             '"upstream=NAME,..."')
    parser.add_argument('--only', action='append', default=[],
                        metavar='RULE',
                        help='fault only these (same forms as --never)')
    parser.add_argument('--max-workers', type=int, default=64)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format='%(asctime)s %(message)s')
    upstreams = dict(u.split('=', 1) for u in args.upstream)
    entries = {}
    if args.clouds_yaml:
        from pumphouse.tests.functional import proxied_clouds  # noqa: PLC0415
        for spec in args.cloud:
            name, _, role = spec.partition(':')
            entry = proxied_clouds.load_entry(args.clouds_yaml, name)
            endpoints = proxied_clouds.minicloud_endpoints(entry,
                                                           role or name)
            entries[name] = (entry, endpoints)
            upstreams.update(proxied_clouds.upstreams(name, endpoints))
    rules = [_parse_rule(r, 0.0) for r in args.never]
    rules += [_parse_rule(r, args.rate) for r in args.only]
    if args.only:
        rules.append(Rule(rate=0.0))
    proxy = FaultProxy(
        upstreams, seed=args.seed, rate=args.rate,
        mix=_parse_weights(args.mix) if args.mix else None,
        error_statuses=(_parse_weights(args.errors, int)
                        if args.errors else None),
        stall_seconds=args.stall, rules=rules, max_workers=args.max_workers)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with proxy:
        for name in proxy.upstream_names:
            print(f'{name}: {proxy.origin(name)} -> '
                  f'{proxy._upstreams[name].origin}', flush=True)
        if args.write_clouds_yaml:
            from pumphouse.tests.functional import proxied_clouds  # noqa
            proxied_clouds.write_clouds_yaml(args.write_clouds_yaml, {
                name: proxied_clouds.proxied_entry(entry, endpoints, proxy)
                for name, (entry, endpoints) in entries.items()})
            print(f'wrote {args.write_clouds_yaml}', flush=True)
        stop.wait()
    print(json.dumps(proxy.summary(), sort_keys=True), flush=True)
    return 0


if __name__ == '__main__':
    sys.exit(main())
