"""Text2Interact web app: assembles the pages and launches the Gradio server.

    python app.py [--host 127.0.0.1] [--port 7860]
"""

from __future__ import annotations

import argparse
import os

# The app never phones home: nothing may reach the network at run time.
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import gradio as gr

from pages import about

TITLE = "Text2Interact"


def build_app() -> gr.Blocks:
    with gr.Blocks(title=TITLE) as demo:
        about.build()
    # One generation at a time: a second user waits in the queue instead of overloading the CPU.
    demo.queue(default_concurrency_limit=1)
    return demo


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Text2Interact web app")
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port to serve on (default 7860)")
    args = parser.parse_args(argv)
    build_app().launch(server_name=args.host, server_port=args.port, show_error=False)


if __name__ == "__main__":
    main()
