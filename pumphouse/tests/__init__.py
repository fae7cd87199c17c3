"""Tests of Pumphouse."""
