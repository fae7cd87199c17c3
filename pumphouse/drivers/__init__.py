"""Drivers: resource drivers (one per resource type) and hardware drivers."""
