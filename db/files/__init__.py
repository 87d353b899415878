"""Files in and out: spreadsheets, competitor, theory and scheme files, results file, merging."""
