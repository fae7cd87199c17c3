"""Glance resources: images, and the data path between two Glances."""
