"""InterCompose, the synthetic-data pipeline (REFERENCE section 8), stage by stage.

1. ``space``: the prompt space, coarse themes x fine tags mined from a folder's captions (``lexicon``
   holds the words);
2. ``descriptions``: seeded new two-person descriptions inside that space, novel combinations flagged;
3. ``splitter``: a description -> the initiator's and the responder's single-person prompts;
4. ``library``: person 1 retrieved from a single-person motion library, or ``generation``: generated
   by the single-person prior or as person 1 of the joint model's pair;
5. ``generation``: person 2 from ``pipeline.react_batch`` ("trained" or "inpaint"); ``reaction_eval``
   compares the two on ground-truth person 1;
6-7. ``scoring`` (the filter evaluator), ``annulus`` (distance to the real set), ``filters``;
8-9. ``output`` (the folder format, docs/compose_format.md), ``projection`` (UMAP), ``run`` (the
   resumable, rank-sliced run); ``interfaces`` holds the protocols every stage implements.
``language_model`` loads an optional local causal language model for stages 2 and 3.
"""
