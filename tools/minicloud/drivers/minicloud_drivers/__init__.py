"""Test-only drivers loaded by the harness's OpenStack services.

``content`` is dependency-free so that tests can compute the bytes the
drivers write without importing any OpenStack service.
"""
