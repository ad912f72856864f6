"""The app's pages: one module per page, each exposing ``build(...)`` for its tab."""
