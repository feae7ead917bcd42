"""Sources of changes: the staged index, commit ranges, history, files on disk."""
