"""Networks: the evaluator (InterCLIP-style dual encoder), InterActor, reaction and single-person models."""
