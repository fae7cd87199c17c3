"""Persistence of Pumphouse (oslo.db and alembic)."""
