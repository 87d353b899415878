"""SQLite storage, operations, audit, keys and the results file. No Qt."""
