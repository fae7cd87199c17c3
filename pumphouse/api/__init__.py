"""The REST API of Pumphouse (Pecan)."""
