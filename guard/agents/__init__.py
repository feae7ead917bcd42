"""Who wrote a commit: git trailers, the agent catalog and the authorship verdict."""
