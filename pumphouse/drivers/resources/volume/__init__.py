"""Cinder resources: volumes and volume types."""
