"""InterCompose: the synthetic two-person data pipeline (REFERENCE section 8)."""
