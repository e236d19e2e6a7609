"""The Delta Lake store: commits, history, as-of reads, checks and compaction."""
