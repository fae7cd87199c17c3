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

"""Streaming image data from one Glance to another.

The source's ``GET /v2/images/{id}/file`` response is read chunk by chunk
and each chunk is sent on as the body of the destination's ``PUT
/v2/images/{id}/file`` (HTTP chunked transfer): nothing is staged on
disk and memory holds a few chunks, whatever the image size. A reader
thread keeps up to :data:`PREFETCH` chunks ahead, so the download and
the upload overlap instead of taking turns.

The bytes are hashed on the way (MD5 for Glance's ``checksum`` and the
source's ``os_hash_algo``). They are checked against the source image
*before* the body's last chunk is sent: on a mismatch the upload is cut
short, and the destination Glance puts the image back to ``queued``
instead of making it ``active`` with wrong data. Then what the
destination Glance computed is checked too.

The bytes passed on are counted and reported to an optional ``progress``
callback (the driver writes them to its plan item, throttled: see
:meth:`pumphouse.engine.context.EngineContext.progress`).
"""

import dataclasses
import hashlib
import queue
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator

from pumphouse.common import exception
from pumphouse.drivers.resources import common

DEFAULT_CHUNK_SIZE = 1024 * 1024
#: Chunks read ahead of the upload.
PREFETCH = 4
#: Seconds a blocked hand-over waits before looking for a stop.
_POLL = 0.5


@dataclasses.dataclass
class Copied:
    """What went through: size and hashes of the bytes."""

    size: int
    checksum: str
    hash_algo: str
    hash_value: str


class HashingStream:
    """Iterates over ``chunks``, hashing and counting what passes.

    With ``expected`` (an image: ``size``, ``checksum``, ``hash_algo``,
    ``hash_value``), the end of the iteration raises
    :class:`~pumphouse.common.exception.DataMismatch` instead of ending
    when the bytes do not match it. ``progress`` is called with the count
    of bytes passed on so far after each chunk has been taken.
    """

    def __init__(self, chunks: Iterable[bytes],
                 hash_algo: str = 'sha512', expected=None,
                 what: str = 'image data',
                 progress: Callable[[int], None] | None = None) -> None:
        self._chunks = chunks
        self._progress = progress
        self.hash_algo = hash_algo
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._multihash = hashlib.new(hash_algo)
        self._expected = expected
        self._what = what
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            if not chunk:
                continue
            self._md5.update(chunk)
            self._multihash.update(chunk)
            self.size += len(chunk)
            yield chunk
            if self._progress is not None:
                self._progress(self.size)
        if self._expected is not None:
            check_against(self.result(), self._expected, self._what)

    def result(self) -> Copied:
        return Copied(self.size, self._md5.hexdigest(), self.hash_algo,
                      self._multihash.hexdigest())


class _End:
    """Marks the end of a prefetched stream (with the reader's error)."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def prefetch(chunks: Iterable[bytes], depth: int = PREFETCH
             ) -> Iterator[bytes]:
    """``chunks``, read by a thread of its own up to ``depth`` ahead.

    An error of the reader is raised where the consumer reaches it. When
    the consumer stops early (closes the generator), the reader stops at
    its next hand-over.
    """
    handover: queue.Queue = queue.Queue(maxsize=max(depth, 1))
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handover.put(item, timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
        except BaseException as e:  # noqa: BLE001 - handed to the consumer
            put(_End(e))
            return
        put(_End())

    reader = threading.Thread(target=read, name='image-prefetch',
                              daemon=True)
    reader.start()
    try:
        while True:
            item = handover.get()
            if isinstance(item, _End):
                if item.error is not None:
                    raise item.error
                return
            yield item
    finally:
        stop.set()
        reader.join(timeout=_POLL * 2)


def check_against(copied: Copied, image, what: str,
                  other_algorithm_ok: bool = False) -> None:
    """Raise DataMismatch if ``image`` does not describe ``copied``.

    Values ``image`` does not know (None) are not compared. With
    ``other_algorithm_ok``, an image hashed with another multihash
    algorithm (a Glance configured differently) is compared on size and
    MD5 only.
    """
    expected = {'size': image.size, 'checksum': image.checksum,
                'os_hash_value': image.hash_value}
    actual = {'size': copied.size, 'checksum': copied.checksum,
              'os_hash_value': copied.hash_value}
    other_algorithm = bool(image.hash_algo) and \
        image.hash_algo != copied.hash_algo
    if other_algorithm and other_algorithm_ok:
        del expected['os_hash_value']
    wrong = [k for k, v in expected.items()
             if v is not None and v != actual[k]]
    if other_algorithm and not other_algorithm_ok:
        wrong.append('os_hash_algo')
    if wrong:
        raise exception.DataMismatch(
            what=what, fields=', '.join(wrong),
            expected=', '.join(f'{k}={expected[k]}' for k in wrong
                               if k in expected),
            actual=', '.join(f'{k}={actual[k]}' for k in wrong
                             if k in actual))


#: ``progress(done, final)`` of :func:`stream_image`.
Progress = Callable[[int, bool], None]


def stream_image(source, source_image, destination, destination_image_id:
                 str, chunk_size: int = DEFAULT_CHUNK_SIZE,
                 progress: Progress | None = None) -> Copied:
    """Copy the data of ``source_image`` into the destination image.

    ``source`` and ``destination`` are openstacksdk connections;
    ``source_image`` is anything with the ``id``, ``size``, ``checksum``,
    ``hash_algo`` and ``hash_value`` of the source image (an SDK
    ``Image``); the destination image must exist and be ``queued``. The
    data is checked against the source image's size and hashes before
    the upload is finished, then against what the destination recorded.

    ``progress(done, final)`` is told the bytes sent: 0 before the first,
    then after each chunk, and once more with ``final`` when the
    destination has taken them all.
    """
    what = f'image {source_image.id} as read from the source'
    response = common.check(source.image.get(
        f'/images/{source_image.id}/file', stream=True))
    chunks = prefetch(response.iter_content(chunk_size))
    sent = None if progress is None else (lambda n: progress(n, False))
    try:
        stream = HashingStream(chunks, source_image.hash_algo or 'sha512',
                               expected=source_image, what=what,
                               progress=sent)
        if progress is not None:
            progress(0, False)
        common.check(destination.image.put(
            f'/images/{destination_image_id}/file', data=iter(stream),
            headers={'Content-Type': 'application/octet-stream'}))
    finally:
        chunks.close()
        response.close()
    copied = stream.result()
    if progress is not None:
        progress(copied.size, True)
    check_against(copied, destination.image.get_image(destination_image_id),
                  f'image {destination_image_id} as stored by the '
                  'destination', other_algorithm_ok=True)
    return copied
