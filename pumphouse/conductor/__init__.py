"""The conductor: the RPC service that does Pumphouse's long work.

Also what every process that works on a migration or a host shares, the
command line included: the task manager (:mod:`.task_manager`, one owner
for every piece of work), the dispatchers (:mod:`.dispatch`, a bounded
number of workers per kind of work) and the work functions
(:mod:`.migration_work`, :mod:`.host_work`).
"""
