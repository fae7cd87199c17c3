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

"""Hashing and checking of streamed image data."""

import hashlib
import threading
import time
import types
import unittest
from unittest import mock

from pumphouse.common import exception
from pumphouse.drivers.resources.image import transfer

DATA = [b'a' * 1000, b'', b'b' * 24, b'c']


def image(**overrides):
    whole = b''.join(DATA)
    values = {'id': 'i1', 'size': len(whole),
              'checksum': hashlib.md5(whole,
                                        usedforsecurity=False).hexdigest(),
              'hash_algo': 'sha512',
              'hash_value': hashlib.sha512(whole).hexdigest()}
    values.update(overrides)
    return types.SimpleNamespace(**values)


class TestHashingStream(unittest.TestCase):

    def test_passes_chunks_through_and_hashes_them(self):
        stream = transfer.HashingStream(iter(DATA))
        self.assertEqual([DATA[0], DATA[2], DATA[3]], list(stream))
        copied = stream.result()
        expected = image()
        self.assertEqual((expected.size, expected.checksum,
                          expected.hash_value),
                         (copied.size, copied.checksum, copied.hash_value))

    def test_checks_expected_data_before_it_ends(self):
        stream = iter(transfer.HashingStream(iter(DATA), expected=image()))
        self.assertEqual([DATA[0], DATA[2], DATA[3]], list(stream))
        wrong = transfer.HashingStream(iter(DATA),
                                       expected=image(checksum='0' * 32),
                                       what='image i1')
        chunks = iter(wrong)
        # Every chunk passes; the mismatch stops the stream where it
        # would end, so an upload fed by it never completes.
        self.assertEqual(DATA[0], next(chunks))
        self.assertEqual(DATA[2], next(chunks))
        self.assertEqual(DATA[3], next(chunks))
        with self.assertRaises(exception.DataMismatch):
            next(chunks)

    def test_other_multihash_algorithm(self):
        stream = transfer.HashingStream(iter(DATA), 'sha256')
        list(stream)
        self.assertEqual(hashlib.sha256(b''.join(DATA)).hexdigest(),
                         stream.result().hash_value)


class TestCheckAgainst(unittest.TestCase):

    def copied(self):
        stream = transfer.HashingStream(iter(DATA))
        list(stream)
        return stream.result()

    def test_equal_data_passes(self):
        transfer.check_against(self.copied(), image(), 'x')

    def test_unknown_values_are_not_compared(self):
        transfer.check_against(self.copied(), image(
            checksum=None, hash_value=None, hash_algo=None, size=None), 'x')

    def test_any_difference_is_named(self):
        with self.assertRaises(exception.DataMismatch) as caught:
            transfer.check_against(self.copied(), image(
                size=1, checksum='0' * 32), 'image i1')
        message = str(caught.exception)
        self.assertIn('image i1', message)
        self.assertIn('size, checksum differ', message)
        self.assertIn('expected size=1', message)

    def test_other_algorithm_is_a_mismatch(self):
        with self.assertRaises(exception.DataMismatch):
            transfer.check_against(self.copied(), image(hash_algo='sha256'),
                                   'x')

    def test_other_algorithm_may_be_allowed(self):
        copied = self.copied()
        transfer.check_against(copied, image(hash_algo='sha256',
                                             hash_value='other'), 'x',
                               other_algorithm_ok=True)
        with self.assertRaises(exception.DataMismatch):
            transfer.check_against(copied, image(hash_algo='sha256',
                                                 checksum='0' * 32), 'x',
                                   other_algorithm_ok=True)


class TestPrefetch(unittest.TestCase):

    def test_passes_everything_in_order(self):
        chunks = [bytes([i]) * 10 for i in range(50)]
        self.assertEqual(chunks, list(transfer.prefetch(iter(chunks), 3)))

    def test_reader_error_reaches_the_consumer(self):
        def failing():
            yield b'a'
            raise OSError('connection reset')

        got = []
        with self.assertRaisesRegex(OSError, 'connection reset'):
            for chunk in transfer.prefetch(failing()):
                got.append(chunk)
        self.assertEqual([b'a'], got)

    def test_reads_ahead_at_most_depth(self):
        produced = []
        release = threading.Event()

        def source():
            for i in range(100):
                produced.append(i)
                yield bytes([i])
                if i == 10:
                    release.wait(5)

        stream = transfer.prefetch(source(), 2)
        self.assertEqual(b'\x00', next(stream))
        # The reader stays within the queue's bound (plus the chunk it
        # holds while waiting to hand it over).
        time.sleep(0.3)
        self.assertLessEqual(len(produced), 1 + 2 + 1)
        release.set()
        self.assertEqual(99, len(list(stream)))

    def test_closing_stops_the_reader(self):
        def endless():
            while True:
                yield b'x'

        stream = transfer.prefetch(endless(), 2)
        next(stream)
        before = threading.active_count()
        stream.close()
        self.assertLessEqual(threading.active_count(), before - 1)


class FakeResponse:
    """A streamed ``GET .../file``: the chunks, whatever size is asked."""

    status_code = 200

    def __init__(self, chunks) -> None:
        self.chunks = chunks
        self.closed = False

    def iter_content(self, chunk_size):
        return iter(self.chunks)

    def close(self) -> None:
        self.closed = True


def connections(chunks=DATA, stored=None):
    """Source and destination connections for :func:`stream_image`: the
    destination takes the body and records it as an image like
    ``stored`` (by default, what was sent)."""
    source = types.SimpleNamespace(image=mock.Mock())
    source.image.get.return_value = FakeResponse(chunks)
    destination = types.SimpleNamespace(image=mock.Mock(),
                                        received=[])

    def put(path, data, headers):
        destination.received.extend(data)
        return types.SimpleNamespace(status_code=204)

    destination.image.put.side_effect = put
    destination.image.get_image.side_effect = lambda image_id: \
        stored or image()
    return source, destination


class TestStreamImage(unittest.TestCase):

    def test_progress_is_reported_per_chunk_then_final(self):
        source, destination = connections()
        reports = []
        copied = transfer.stream_image(
            source, image(), destination, 'd1',
            progress=lambda done, final: reports.append((done, final)))
        self.assertEqual(b''.join(DATA), b''.join(destination.received))
        self.assertEqual(1025, copied.size)
        # The empty chunk is not passed on, so not reported.
        self.assertEqual([(0, False), (1000, False), (1024, False),
                          (1025, False), (1025, True)], reports)

    def test_no_final_report_when_the_data_is_wrong(self):
        source, destination = connections()
        reports = []
        with self.assertRaises(exception.DataMismatch):
            transfer.stream_image(
                source, image(checksum='0' * 32), destination, 'd1',
                progress=lambda done, final: reports.append((done, final)))
        self.assertNotIn(True, [final for _done, final in reports])

    def test_without_progress(self):
        source, destination = connections()
        self.assertEqual(1025, transfer.stream_image(
            source, image(), destination, 'd1').size)
