"""Revisions of the database schema (alembic reads the files; this
makes them a package that every build ships)."""
