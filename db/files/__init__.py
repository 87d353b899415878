"""Files in and out: spreadsheets, competitor, theory and scheme files, the results file, merging."""
