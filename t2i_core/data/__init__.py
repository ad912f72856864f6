"""Data sets in InterHuman's on-disk layout: the reader, its cache, and folder checks."""
