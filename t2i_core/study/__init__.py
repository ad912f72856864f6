"""User studies: blind A/B trials between systems, votes in SQLite, win rates with intervals.

``config`` reads a study (prompts x systems x seeds), ``prepare`` generates every clip in advance,
``trials`` turns a prepared study into blind pairs and gold trials, ``store`` keeps the votes and
``stats`` computes what the operator reads. No Gradio here: ``pages/study.py`` is the front-end.
"""
