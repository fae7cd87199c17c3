"""The conductor: the RPC service that does Pumphouse's long work."""
