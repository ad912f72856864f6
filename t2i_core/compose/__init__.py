"""InterCompose: the synthetic-data pipeline (prompt space, sampler, splitter, person-1 sources,
reaction, scoring, filters, the resumable run and its output folder)."""
