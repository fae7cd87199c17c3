"""Unit tests of Pumphouse."""
