"""Tests of the database layer, run on SQLite, MariaDB and PostgreSQL."""
