"""InterCompose, the synthetic-data pipeline (REFERENCE section 8), stage by stage.

1. ``space``: the prompt space, coarse themes x fine tags mined from a folder's captions (``lexicon``
   holds the words);
2. ``descriptions``: seeded new two-person descriptions inside that space, novel combinations flagged;
3. ``splitter``: a description -> the initiator's and the responder's single-person prompts;
``language_model`` loads an optional local causal language model for stages 2 and 3.
"""
