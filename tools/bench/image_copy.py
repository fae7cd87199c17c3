#!/usr/bin/env python3
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

"""Benchmark: copying one image's data between two Glance services.

Runs by hand against the two harness clouds (``tools/minicloud``)::

    /work/venv/bin/python tools/bench/image_copy.py            # 1 GiB
    /work/venv/bin/python tools/bench/image_copy.py --size 64M # quick

It uploads a raw image of ``--size`` bytes to the source Glance (random
blocks generated on the fly, never held whole), then runs each way of
moving data in a child process of its own and reads the child's wall
time and peak resident memory (``VmHWM``):

* ``pumphouse``: :func:`pumphouse.drivers.resources.image.transfer.
  stream_image`, source to destination, hashed and checked;
* ``via-disk``: download to a temporary file, then upload the file;
* ``download``: download only, bytes dropped;
* ``upload``: upload only, bytes generated on the fly;
* ``idle``: connect and authenticate only (the memory floor).

It prints a table and the ratios ``pumphouse / max(download, upload)``
and ``pumphouse / via-disk``, checks every uploaded copy's checksum and
deletes the images and the temporary file. Not part of any tox
environment.
"""

import argparse
import contextlib
import json
import os
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator

REPO = pathlib.Path(__file__).resolve().parents[2]
MIB = 1024 * 1024
CHUNK = MIB
MODES = ('idle', 'download', 'upload', 'pumphouse', 'via-disk')
UNITS = {'': 1, 'K': 1024, 'M': MIB, 'G': 1024 * MIB}


def parse_size(text: str) -> int:
    """``1073741824``, ``64M``, ``1G`` (binary units) -> bytes."""
    match = re.fullmatch(r'(\d+)([KMG]?)(?:i?B)?', text.strip().upper())
    if not match:
        raise argparse.ArgumentTypeError(f'not a size: {text!r}')
    size = int(match.group(1)) * UNITS[match.group(2)]
    if size <= 0:
        raise argparse.ArgumentTypeError('the size must be positive')
    return size


def generated(size: int, seed: bytes) -> Iterator[bytes]:
    """``size`` bytes in 1 MiB chunks: eight pseudo-random blocks drawn
    from ``seed`` in turn, each chunk made unique by its number. The
    same seed gives the same bytes; 8 MiB in memory whatever the size."""
    draw = random.Random(seed)  # noqa: S311 - test data, not secrets
    blocks = [bytearray(draw.randbytes(MIB)) for _ in range(8)]
    sent, number = 0, 0
    while sent < size:
        block = blocks[number % len(blocks)]
        block[:8] = number.to_bytes(8, 'big')
        chunk = bytes(block[:min(MIB, size - sent)])
        sent += len(chunk)
        number += 1
        yield chunk


def connect(clouds_yaml: str, name: str):
    import openstack  # noqa: PLC0415 - the parent needs it late
    from openstack import config as os_config  # noqa: PLC0415

    region = os_config.OpenStackConfig(
        config_files=[clouds_yaml], load_envvars=False).get_one(cloud=name)
    conn = openstack.connection.Connection(config=region)
    conn.image.get_endpoint()  # authenticate now, not while timed
    return conn


def check(response) -> None:
    if response.status_code >= 400:
        raise RuntimeError(f'{response.request.method} {response.url}: '
                           f'{response.status_code} {response.text[:200]}')


def new_image(conn, name: str) -> str:
    response = conn.image.post('/images', json={
        'name': name, 'disk_format': 'raw', 'container_format': 'bare',
        'visibility': 'private'})
    check(response)
    return response.json()['id']


def upload(conn, image_id: str, data) -> None:
    check(conn.image.put(f'/images/{image_id}/file', data=data,
                         headers={'Content-Type':
                                  'application/octet-stream'}))


def delete(conn, image_id: str | None) -> None:
    if image_id:
        response = conn.image.delete(f'/images/{image_id}')
        if response.status_code not in (204, 404):
            check(response)


def peak_rss_kib() -> int:
    """The process's peak resident set (VmHWM), in KiB."""
    with open('/proc/self/status') as status:
        for line in status:
            if line.startswith('VmHWM:'):
                return int(line.split()[1])
    import resource  # noqa: PLC0415 - not Linux: ru_maxrss is KiB there

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# The child: one mode, timed.

def child(args) -> dict:
    # Every mode loads what the pumphouse one does, so the idle process
    # is the memory floor of all of them.
    from pumphouse.drivers.resources.image import transfer  # noqa: F401, PLC0415

    source = connect(args.clouds_yaml, 'source')
    destination = connect(args.clouds_yaml, 'destination')
    target = None
    if args.mode in ('upload', 'pumphouse', 'via-disk'):
        target = new_image(destination, f'{args.name}-{args.mode}')
    started = time.monotonic()
    moved = RUNS[args.mode](args, source, destination, target)
    seconds = time.monotonic() - started
    return {'mode': args.mode, 'seconds': seconds, 'bytes': moved,
            'peak_rss_kib': peak_rss_kib(), 'destination_image': target}


def run_idle(args, source, destination, target) -> int:
    return 0


def download_chunks(source, image_id: str) -> Iterator[bytes]:
    response = source.image.get(f'/images/{image_id}/file', stream=True)
    check(response)
    try:
        yield from response.iter_content(CHUNK)
    finally:
        response.close()


def run_download(args, source, destination, target) -> int:
    return sum(len(c) for c in download_chunks(source, args.image_id))


def run_upload(args, source, destination, target) -> int:
    upload(destination, target, generated(args.size, bytes.fromhex(
        args.seed)))
    return args.size


def run_pumphouse(args, source, destination, target) -> int:
    from pumphouse.drivers.resources.image import transfer  # noqa: PLC0415

    image = source.image.get_image(args.image_id)
    return transfer.stream_image(source, image, destination, target).size


def run_via_disk(args, source, destination, target) -> int:
    path = pathlib.Path(args.tmpdir) / f'{args.image_id}.img'
    try:
        with open(path, 'wb') as f:
            for chunk in download_chunks(source, args.image_id):
                f.write(chunk)
        with open(path, 'rb') as f:
            upload(destination, target, f)
        return path.stat().st_size
    finally:
        path.unlink(missing_ok=True)


RUNS = {'idle': run_idle, 'download': run_download, 'upload': run_upload,
        'pumphouse': run_pumphouse, 'via-disk': run_via_disk}


# The parent: set up, run each mode in a child, report, clean up.

def run_child(args, mode: str, image_id: str, seed: str,
              tmpdir: str) -> dict:
    command = [sys.executable, __file__, '--child', mode,
               '--size', str(args.size), '--clouds-yaml', args.clouds_yaml,
               '--image-id', image_id, '--seed', seed, '--tmpdir', tmpdir,
               '--name', args.name]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(REPO), os.environ.get('PYTHONPATH')])))
    done = subprocess.run(command, capture_output=True, text=True,
                          env=env, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f'mode {mode} failed:\n{done.stderr[-2000:]}')
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(results: dict, size: int, checks: dict) -> None:
    print(f'\nimage of {size / MIB:.0f} MiB, chunks of {CHUNK // MIB} MiB')
    print(f'{"mode":<10} {"seconds":>8} {"MiB/s":>8} {"peak RSS MiB":>13}'
          f'  data check')
    for mode in MODES:
        r = results[mode]
        rate = r['bytes'] / MIB / r['seconds'] if r['bytes'] else 0
        print(f'{mode:<10} {r["seconds"]:>8.2f} {rate:>8.1f} '
              f'{r["peak_rss_kib"] / 1024:>13.1f}  {checks.get(mode, "-")}')
    a = results['pumphouse']['seconds']
    slowest = max(results['download']['seconds'],
                  results['upload']['seconds'])
    print(f'\npumphouse / max(download, upload) = {a / slowest:.2f}'
          ' (target <= 1.2)')
    print(f'pumphouse / via-disk                = '
          f'{a / results["via-disk"]["seconds"]:.2f}')
    floor = results['idle']['peak_rss_kib']
    print(f'peak RSS above the idle process     = '
          f'{(results["pumphouse"]["peak_rss_kib"] - floor) / 1024:.1f} MiB'
          f' (pumphouse), '
          f'{(results["via-disk"]["peak_rss_kib"] - floor) / 1024:.1f} MiB'
          ' (via-disk)')


def parent(args) -> None:
    source = connect(args.clouds_yaml, 'source')
    destination = connect(args.clouds_yaml, 'destination')
    seed = os.urandom(16).hex()
    tmpdir = tempfile.mkdtemp(prefix='pumphouse-bench-')
    image_id, results, checks = None, {}, {}
    try:
        image_id = new_image(source, args.name)
        started = time.monotonic()
        upload(source, image_id, generated(args.size, bytes.fromhex(seed)))
        print(f'source image {image_id}: {args.size} bytes uploaded in '
              f'{time.monotonic() - started:.1f}s')
        expected = source.image.get(f'/images/{image_id}').json()
        for mode in MODES:
            result = run_child(args, mode, image_id, seed, tmpdir)
            results[mode] = result
            target = result['destination_image']
            if target:
                copy = destination.image.get(f'/images/{target}').json()
                checks[mode] = ('ok' if copy.get('checksum')
                                == expected['checksum'] else
                                f'MISMATCH ({copy.get("status")})')
                delete(destination, target)
            print(f'{mode}: {result["seconds"]:.2f}s', flush=True)
    finally:
        for target in (r.get('destination_image')
                       for r in results.values()):
            with contextlib.suppress(Exception):
                delete(destination, target)
        # A child that failed made its image under a known name.
        for mode in MODES:
            response = destination.image.get('/images', params={
                'name': f'{args.name}-{mode}'})
            for image in response.json().get('images', []):
                delete(destination, image['id'])
        delete(source, image_id)
        shutil.rmtree(tmpdir, ignore_errors=True)
    report(results, args.size, checks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=parse_size, default=1024 * MIB,
                        help='image size, e.g. 1G (default) or 64M')
    parser.add_argument('--clouds-yaml', default=os.environ.get(
        'OS_CLIENT_CONFIG_FILE', str(REPO / '.minicloud' / 'clouds.yaml')),
        help='clouds.yaml with entries "source" and "destination"')
    parser.add_argument('--child', dest='mode', choices=MODES,
                        help=argparse.SUPPRESS)
    for hidden in ('--image-id', '--seed', '--tmpdir'):
        parser.add_argument(hidden, help=argparse.SUPPRESS)
    parser.add_argument('--name', default=f'pumphouse-bench-'
                        f'{uuid.uuid4().hex[:8]}', help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.mode:
        print(json.dumps(child(args)))
    else:
        parent(args)


if __name__ == '__main__':
    main()
