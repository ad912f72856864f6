"""Text2Interact core library: motion representation, data, models, diffusion, metrics.

Nothing in this package imports Gradio; the app in ``pages/`` only calls into it.
"""

__version__ = "0.1.0"
