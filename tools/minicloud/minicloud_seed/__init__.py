"""Declarative seeder: creates a YAML-described workload via openstacksdk.

Runs inside the harness venv (``minicloud seed`` starts it there). Each
section of the YAML file has one handler; every handler finds existing
objects by name first, so applying a file twice changes nothing.
"""
