"""Two-cloud OpenStack test harness used by Pumphouse's functional tests.

The harness is standard-library only: everything that needs OpenStack
libraries runs inside the harness virtualenv (``.minicloud/venv``).
"""
