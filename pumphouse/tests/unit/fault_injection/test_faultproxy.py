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

"""The fault-injecting proxy of the functional tests, against a local
upstream (:mod:`.upstream`) on 127.0.0.1, with real clients (requests
and keystoneauth)."""

import concurrent.futures
import hashlib
import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
import tracemalloc

import pytest
import requests
from keystoneauth1 import exceptions as ksa_exc
from keystoneauth1 import session as ksa_session

from pumphouse.tests.functional import faultproxy
from pumphouse.tests.unit.fault_injection import upstream as up

MiB = 1024 * 1024
BIG = 64 * MiB
T = 30  # seconds a request of these tests may take


@pytest.fixture
def server():
    with up.Upstream() as upstream:
        yield upstream


def _proxy(server, **kwargs):
    kwargs.setdefault('rate', 0.0)
    return faultproxy.FaultProxy({'api': server.url}, **kwargs)


def _wait_for(predicate, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


def _sha(size):
    return up.pattern_digest(size)


# -- forwarding --------------------------------------------------------------


def test_forwards_and_keeps_the_connection(server):
    with _proxy(server, record_requests=True) as proxy:
        base = proxy.origin('api')
        with requests.Session() as s:
            for i in range(5):
                r = s.get(f'{base}/thing/{i}?q={i}')
                assert r.json() == {'path': f'/thing/{i}?q={i}'}
            head = s.head(f'{base}/v3')
            assert head.status_code == 200 and head.content == b''
        assert proxy.requests[:2] == [('api', 'GET', '/thing/0?q=0'),
                                      ('api', 'GET', '/thing/1?q=1')]
        assert proxy.forwarded() == {'api': 6}
        assert proxy.summary() == {'faults': 0, 'requests': 6}
    assert [p for _, p in server.requests][:5] == [
        f'/thing/{i}?q={i}' for i in range(5)]


def test_one_client_connection_serves_several_requests(server):
    with _proxy(server) as proxy:
        port = int(proxy.origin('api').rsplit(':', 1)[1])
        conn = http.client.HTTPConnection('127.0.0.1', port, timeout=5)
        for i in range(3):
            conn.request('GET', f'/k/{i}')
            response = conn.getresponse()
            assert response.status == 200
            assert response.read() == b'{"path": "/k/%d"}' % i
        sock = conn.sock
        conn.request('GET', '/k/last')
        conn.getresponse().read()
        assert conn.sock is sock  # still the same connection
        conn.close()


def test_upstream_down_is_a_502(server):
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        closed_port = s.getsockname()[1]
    with faultproxy.FaultProxy(
            {'gone': f'http://127.0.0.1:{closed_port}'}, rate=0) as proxy:
        r = requests.get(proxy.origin('gone') + '/x', timeout=T)
    assert r.status_code == 502
    assert 'faultproxy' in r.json()['error']['message']


@pytest.mark.parametrize('chunked', [False, True],
                         ids=['content-length', 'chunked'])
def test_streams_64_mib_both_ways_in_little_memory(server, chunked):
    with _proxy(server) as proxy:
        base = proxy.origin('api')
        with requests.Session() as s:
            s.get(f'{base}/warm-up')
            tracemalloc.start()
            try:
                body = up.generate(BIG) if chunked else up.Sized(BIG)
                uploaded = s.put(f'{base}/upload', data=body).json()
                digest, size = hashlib.sha256(), 0
                with s.get(f'{base}/download',
                           params={'size': BIG, 'chunked': int(chunked)},
                           stream=True) as r:
                    assert ('chunked' in r.headers.get('Transfer-Encoding',
                                                       '')) == chunked
                    for data in r.iter_content(up.CHUNK):
                        digest.update(data)
                        size += len(data)
                _current, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
    assert uploaded == {'size': BIG, 'sha256': _sha(BIG)}
    assert (size, digest.hexdigest()) == (BIG, _sha(BIG))
    # Client, proxy and upstream all in this process: each holds a few
    # 64 KiB pieces at a time, never the 64 MiB body.
    assert peak < 8 * MiB, peak


def _vm_hwm(pid):
    with open(f'/proc/{pid}/status') as f:
        return int(re.search(r'VmHWM:\s+(\d+) kB', f.read())[1]) * 1024


def test_proxy_process_peak_rss_grows_far_less_than_the_body(server):
    """The proxy alone, in a process of its own (``python -m``): its peak
    resident memory after 64 MiB each way, against before."""
    process = subprocess.Popen(
        [sys.executable, '-m', 'pumphouse.tests.functional.faultproxy',
         '--upstream', f'api={server.url}', '--rate', '0', '--seed', '1'],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))
    try:
        line = process.stdout.readline()
        base = re.match(r'api: (\S+) -> ', line)[1]
        with requests.Session() as s:
            s.get(f'{base}/warm-up').raise_for_status()
            s.put(f'{base}/upload', data=b'x' * 1000).raise_for_status()
            before = _vm_hwm(process.pid)
            assert s.put(f'{base}/upload',
                         data=up.Sized(BIG)).json()['size'] == BIG
            with s.get(f'{base}/download', params={'size': BIG},
                       stream=True) as r:
                assert sum(len(d) for d in r.iter_content(up.CHUNK)) == BIG
            after = _vm_hwm(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert after - before < 8 * MiB, (before, after)


# -- rewriting -------------------------------------------------------------


def test_rewrites_upstream_urls_in_json_and_location(server):
    with _proxy(server) as proxy:
        base = proxy.origin('api')
        r = requests.get(f'{base}/links', timeout=T)
        body = r.json()
        assert r.headers['Location'] == f'{base}/v2.1/servers/abc'
        assert [link['href'] for link in body['server']['links']] == [
            f'{base}/v2.1/servers/abc', f'{base}/servers/abc']
        # A longer port is another origin; a path stays a path.
        assert body['longer_port'] == f'{server.url}1/not-mine'
        assert body['relative'] == '/v2/images/abc/file'
        assert int(r.headers['Content-Length']) == len(r.content)
        escaped = requests.get(f'{base}/escaped', timeout=T)
        assert escaped.json() == {'href': f'{base}/v3/'}
        redirect = requests.get(f'{base}/redirect', timeout=T,
                                allow_redirects=False)
        assert redirect.headers['Location'] == f'{base}/links'
        # Following the redirect stays on the proxy.
        assert requests.get(f'{base}/redirect',
                            timeout=T).url == f'{base}/links'
        assert proxy.url(f'{server.url}/v3') == f'{base}/v3'
        assert proxy.url('http://elsewhere:1/v3') == 'http://elsewhere:1/v3'


def test_rewrites_every_upstream_in_a_body():
    """A catalog names the other upstreams too: each gets its own proxy
    origin."""
    with up.Upstream() as keystone, up.Upstream() as nova:
        with faultproxy.FaultProxy({'identity': keystone.url,
                                    'compute': nova.url}, rate=0) as proxy:
            r = requests.get(proxy.origin('identity') + '/links',
                             timeout=T)
            assert r.json()['server']['links'][0]['href'].startswith(
                proxy.origin('identity'))
            assert proxy.url(nova.url + '/v2.1') == (
                proxy.origin('compute') + '/v2.1')
            assert proxy.origin('compute') != proxy.origin('identity')


def test_binary_bodies_are_not_rewritten(server):
    with _proxy(server) as proxy:
        # A download that happens to hold the upstream's URL.
        r = requests.get(proxy.origin('api') + '/download',
                         params={'size': 1000}, timeout=T)
    assert r.content == up.pattern(1000)


# -- faults ------------------------------------------------------------------


def test_error_fault_answers_without_forwarding(server):
    rules = [faultproxy.Rule(path='^/fail', rate=1.0),
             faultproxy.Rule(rate=0.0)]
    with _proxy(server, mix={'error': 1}, error_statuses={503: 1},
                rules=rules, record_requests=True) as proxy:
        base = proxy.origin('api')
        with requests.Session() as s:
            r = s.post(f'{base}/fail', data=b'x' * 200_000)
            assert r.status_code == 503
            assert r.json()['error']['code'] == 503
            assert r.headers['X-Fault-Injected'] == 'error 503'
            # Same connection, next request goes through.
            assert s.get(f'{base}/ok').json() == {'path': '/ok'}
        faults = proxy.faults
    assert [(f.kind, f.status, f.method, f.path, f.forwarded)
            for f in faults] == [('error', 503, 'POST', '/fail', False)]
    assert server.requests == [('GET', '/ok')]


@pytest.mark.parametrize('status', [500, 502, 503, 504])
def test_error_fault_seen_by_keystoneauth(server, status):
    with _proxy(server, rate=1.0, mix={'error': 1},
                error_statuses={status: 1}) as proxy:
        session = ksa_session.Session()
        with pytest.raises(ksa_exc.HttpError) as raised:
            session.get(proxy.origin('api') + '/v2.1/servers',
                        authenticated=False)
    assert raised.value.http_status == status
    assert server.requests == []


def test_keystoneauth_retries_a_503_when_told(server):
    """status_code_retries: every attempt is a new request to the proxy
    (here all faulted)."""
    with _proxy(server, rate=1.0, mix={'error': 1},
                error_statuses={503: 1}) as proxy:
        session = ksa_session.Session()
        with pytest.raises(ksa_exc.ServiceUnavailable):
            session.get(proxy.origin('api') + '/x', authenticated=False,
                        status_code_retries=2, status_code_retry_delay=0.01)
        assert proxy.summary()['error'] == 3


def test_reset_before_forwarding(server):
    with _proxy(server, rate=1.0, mix={'reset_before': 1}) as proxy:
        with pytest.raises(requests.ConnectionError) as raised:
            requests.post(proxy.origin('api') + '/create', json={'a': 1},
                          timeout=T)
        session = ksa_session.Session()
        with pytest.raises(ksa_exc.ConnectFailure):
            session.post(proxy.origin('api') + '/create', json={'a': 1},
                         authenticated=False)
        faults = proxy.faults
    assert 'reset' in str(raised.value).lower() or 'aborted' in str(
        raised.value).lower()
    assert [(f.kind, f.forwarded) for f in faults] == [
        ('reset_before', False)] * 2
    assert server.requests == [] and not server.created


def test_reset_after_forwarding_the_cloud_did_it(server):
    """The dangerous case: the upstream created the resource, the client
    saw a reset."""
    with _proxy(server, rate=1.0, mix={'reset_after': 1}) as proxy:
        with pytest.raises(requests.ConnectionError):
            requests.post(proxy.origin('api') + '/create', json={'a': 1},
                          timeout=T)
        faults = proxy.faults
    assert server.created == {'/create': 1}
    assert [(f.kind, f.forwarded, f.upstream_status) for f in faults] == [
        ('reset_after', True, 201)]


def test_keystoneauth_connect_retries_repeat_a_post_the_cloud_did(server):
    """keystoneauth takes a reset after sending for a connection failure
    and, with connect_retries, sends the POST again: the cloud creates
    twice."""
    with _proxy(server, rate=1.0, mix={'reset_after': 1}) as proxy:
        session = ksa_session.Session()
        with pytest.raises(ksa_exc.ConnectFailure):
            session.post(proxy.origin('api') + '/create', json={'a': 1},
                         authenticated=False, connect_retries=1,
                         connect_retry_delay=0.01)
    assert server.created == {'/create': 2}


def test_stall_then_answer(server):
    with _proxy(server, rate=1.0, mix={'stall': 1},
                stall_seconds=0.6) as proxy:
        start = time.monotonic()
        r = requests.get(proxy.origin('api') + '/slow', timeout=10)
        took = time.monotonic() - start
        # The proxy records a stall once the answer is sent: the client
        # can read that answer first.
        _wait_for(lambda: proxy.faults)
        faults = proxy.faults
    assert r.json() == {'path': '/slow'}
    assert took >= 0.6
    assert [(f.kind, f.forwarded, f.upstream_status, f.client_gone)
            for f in faults] == [('stall', True, 200, False)]


def test_stall_longer_than_the_client_waits_forwards_nothing(server):
    with _proxy(server, rate=1.0, mix={'stall': 1},
                stall_seconds=1.5) as proxy:
        session = ksa_session.Session(timeout=0.3)
        with pytest.raises(ksa_exc.ConnectTimeout):
            session.post(proxy.origin('api') + '/create', json={},
                         authenticated=False)
        assert _wait_for(lambda: proxy.faults, timeout=5)
        faults = proxy.faults
    assert [(f.kind, f.forwarded, f.client_gone) for f in faults] == [
        ('stall', False, True)]
    assert not server.created


def test_stall_after_forwarding_the_cloud_did_it(server):
    with _proxy(server, rate=1.0, mix={'stall_after': 1},
                stall_seconds=1.5) as proxy:
        with pytest.raises(requests.Timeout):
            requests.post(proxy.origin('api') + '/create', json={},
                          timeout=0.3)
        assert _wait_for(lambda: proxy.faults, timeout=5)
        faults = proxy.faults
    assert server.created == {'/create': 1}
    assert [(f.kind, f.forwarded, f.client_gone) for f in faults] == [
        ('stall_after', True, True)]


def test_stop_ends_a_stall_at_once(server):
    proxy = _proxy(server, rate=1.0, mix={'stall': 1}, stall_seconds=60)
    proxy.start()
    errors = []

    def call():
        try:
            requests.get(proxy.origin('api') + '/x', timeout=30)
        except requests.RequestException as e:
            errors.append(e)

    thread = threading.Thread(target=call)
    thread.start()
    assert _wait_for(lambda: proxy.summary()['requests'] == 1)
    start = time.monotonic()
    proxy.stop()
    thread.join(timeout=10)
    assert time.monotonic() - start < 5
    assert errors and not thread.is_alive()


def test_rules_choose_what_may_be_faulted(server):
    rules = [faultproxy.NO_TOKEN_FAULTS,
             faultproxy.Rule(methods={'get'}, path=r'^/v2\.1/',
                             kinds=('error',))]
    with _proxy(server, rate=1.0, rules=rules,
                error_statuses={502: 1}) as proxy:
        base = proxy.origin('api')
        with requests.Session() as s:
            assert s.post(f'{base}/v3/auth/tokens', json={}).ok
            assert s.get(f'{base}/v2.1/servers').status_code == 502
        faults = proxy.faults
    assert [(f.kind, f.path) for f in faults] == [('error',
                                                   '/v2.1/servers')]


def test_rule_by_upstream():
    with up.Upstream() as a, up.Upstream() as b:
        rules = [faultproxy.Rule(upstreams={'b'}, kinds=('error',)),
                 faultproxy.Rule(kinds=('reset_before',))]
        with faultproxy.FaultProxy({'a': a.url, 'b': b.url}, rate=1.0,
                                   rules=rules, mix={'reset_before': 1,
                                                     'error': 1}) as proxy:
            assert requests.get(proxy.origin('b') + '/x',
                                timeout=T).status_code >= 500
            with pytest.raises(requests.ConnectionError):
                requests.get(proxy.origin('a') + '/x', timeout=T)


# -- the seeded sequence ----------------------------------------------------


def _run_sequence(server, seed, count=60):
    with _proxy(server, seed=seed, rate=0.3,
                mix={'error': 1, 'reset_before': 1, 'reset_after': 1},
                ) as proxy:
        for i in range(count):
            try:
                requests.get(f'{proxy.origin("api")}/n/{i}', timeout=5)
            except requests.ConnectionError:
                pass
        return [(f.seq, f.kind, f.status, f.path) for f in proxy.faults]


def test_same_seed_same_faults(server, capfd):
    first = _run_sequence(server, seed=1234)
    second = _run_sequence(server, seed=1234)
    other = _run_sequence(server, seed=4321)
    assert first == second
    assert first != other
    kinds = {kind for _, kind, _, _ in first}
    assert kinds == {'error', 'reset_before', 'reset_after'}
    assert 8 <= len(first) <= 30  # about 30 % of 60
    assert 'faultproxy: seed 1234' in capfd.readouterr().err


def test_a_seed_is_drawn_and_printed_when_none_is_given(server, capfd):
    with _proxy(server) as proxy:
        seed = proxy.seed
    assert isinstance(seed, int)
    assert f'faultproxy: seed {seed},' in capfd.readouterr().err


def test_default_rate_and_mix(server):
    """10 % of requests over the four default kinds (stalls short)."""
    proxy = _proxy(server, seed=7, stall_seconds=0.01)
    del proxy  # defaults are checked on a fresh instance
    proxy = faultproxy.FaultProxy({'api': server.url}, seed=7)
    assert proxy.rate == 0.10 and proxy.stall_seconds == 30.0
    decisions = [proxy._decide('api', 'GET', '/x') for _ in range(4000)]
    faulted = [d for d in decisions if d.kind]
    assert 320 <= len(faulted) <= 480
    assert {d.kind for d in faulted} == {'error', 'reset_before',
                                         'reset_after', 'stall'}
    assert {d.status for d in faulted if d.kind == 'error'} == {
        500, 502, 503, 504}


# -- concurrency --------------------------------------------------------------


def test_fifty_parallel_requests_with_faults(server):
    with _proxy(server, seed=99, rate=0.2, max_workers=16,
                mix={'error': 1, 'reset_before': 1, 'reset_after': 1,
                     'stall': 1}, stall_seconds=0.2) as proxy:
        base = proxy.origin('api')

        def call(i):
            try:
                r = requests.put(f'{base}/upload/{i}',
                                 data=up.Sized(256 * 1024), timeout=20)
            except requests.ConnectionError:
                return 'reset'
            if r.status_code >= 500:
                return 'error'
            assert r.json() == {'size': 256 * 1024,
                                'sha256': _sha(256 * 1024)}
            return 'ok'

        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            outcomes = list(pool.map(call, range(50)))
        summary = proxy.summary()
        faults = proxy.faults
        threads = [t for t in threading.enumerate()
                   if t.name.startswith('faultproxy_')]
    assert summary['requests'] == 50
    assert outcomes.count('error') == summary.get('error', 0)
    assert outcomes.count('reset') == (summary.get('reset_before', 0)
                                       + summary.get('reset_after', 0))
    assert outcomes.count('ok') == 50 - summary['faults'] + summary.get(
        'stall', 0)
    assert len({f.seq for f in faults}) == len(faults)
    assert len(threads) <= 16  # the pool, bounded
    # The upstream got every request but the ones faulted before it.
    not_forwarded = sum(1 for f in faults if not f.forwarded)
    assert len(server.requests) == 50 - not_forwarded


def test_idle_keep_alive_connections_hold_no_worker(server):
    """More idle keep-alive clients than workers: all are served."""
    with _proxy(server, max_workers=2) as proxy:
        sessions = [requests.Session() for _ in range(6)]
        for s in sessions:
            assert s.get(proxy.origin('api') + '/a').ok
        for s in sessions:  # each on its kept connection
            assert s.get(proxy.origin('api') + '/b', timeout=5).ok
        for s in sessions:
            s.close()


# -- HTTP details ----------------------------------------------------------


def _raw(proxy, data, read_until=b'', timeout=5):
    port = int(proxy.origin('api').rsplit(':', 1)[1])
    sock = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    sock.sendall(data)
    return sock


def _read_all(sock):
    chunks = []
    while True:
        data = sock.recv(65536)
        if not data:
            return b''.join(chunks)
        chunks.append(data)


def test_expect_100_continue(server):
    with _proxy(server) as proxy:
        sock = _raw(proxy, b'PUT /upload HTTP/1.1\r\nHost: x\r\n'
                           b'Content-Length: 5\r\nExpect: 100-continue\r\n'
                           b'Connection: close\r\n\r\n')
        with sock:
            assert sock.recv(100).startswith(b'HTTP/1.1 100 Continue')
            sock.sendall(b'hello')
            answer = _read_all(sock)
    assert answer.startswith(b'HTTP/1.1 200 ')
    assert hashlib.sha256(b'hello').hexdigest().encode() in answer
    assert b'Connection: close' in answer


def test_pipelined_requests_and_http_1_0(server):
    with _proxy(server) as proxy:
        with _raw(proxy, b'GET /a HTTP/1.1\r\nHost: x\r\n\r\n'
                         b'GET /b HTTP/1.1\r\nHost: x\r\n'
                         b'Connection: close\r\n\r\n') as sock:
            answer = _read_all(sock)
        assert answer.count(b'HTTP/1.1 200 ') == 2
        assert answer.index(b'"/a"') < answer.index(b'"/b"')
        with _raw(proxy, b'GET /c HTTP/1.0\r\n\r\n') as sock:
            answer = _read_all(sock)  # the proxy closes: 1.0
        assert answer.startswith(b'HTTP/1.1 200 ') and b'"/c"' in answer
    assert ('GET', '/b') in server.requests


def test_garbage_is_a_400(server):
    with _proxy(server) as proxy:
        with _raw(proxy, b'NOT HTTP\r\n\r\n') as sock:
            answer = _read_all(sock)
    assert answer.startswith(b'HTTP/1.1 400 ')
    assert server.requests == []
