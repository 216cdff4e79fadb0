"""The store of record: a versioned SQLite or PostgreSQL database, its tables and its loads.

:mod:`~workbench.store.engine` opens it (``Store``); :mod:`~workbench.store.migrations` holds
the schema's versions; :mod:`~workbench.store.loading` stores checked extracts and returns.
Audit and supervision records made in the workbench have tables here too, so a schema step
never reaches up into the practice tools.
"""
