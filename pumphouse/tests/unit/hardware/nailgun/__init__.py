"""A recorded Fuel 9 master: Keystone and Nailgun API exchanges replayed
by ``replay.ReplayServer``.

The JSON files are built from Fuel 9's published API (Nailgun's
serializers and handlers): ``objects/`` holds the objects as Nailgun and
Keystone return them, and each scenario file the exchanges of one
provisioning, in order, with the objects referenced by name.
"""
