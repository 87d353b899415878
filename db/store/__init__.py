"""Storage: the connection and transaction helper, schema and migrations, audit chain, backups."""
