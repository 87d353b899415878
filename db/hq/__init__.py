"""Headquarters: the store that merges every venue's results files."""
