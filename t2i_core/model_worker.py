"""The model in its own process, so that a web server stays responsive while it generates.

    worker = ModelWorker("assets/interactor", threads=1, nice=10)   # loads the model in a child process
    result, attention = worker.run("generate", "two people shake hands", seconds=4, seed=0,
                                   callback=lambda step, total: print(step, total))
    worker.close()

The app's pages ask for work by name: every job in ``JOBS`` is a function ``job(pipeline, *args,
callback=None, **kwargs)`` whose arguments and result are plain data (numbers, strings, NumPy arrays,
the pipeline's and the scene editor's dataclasses). ``InProcessModel`` runs the same jobs in the
calling process (scripts, tests); ``ModelWorker`` runs them in ``python -m t2i_core.model_worker``,
started at a lower CPU priority (``os.nice``) with its own torch threads, one job at a time, over a
socket pair (``multiprocessing.connection``: pickled messages between two processes of this program):

    server -> worker   (job name, args, kwargs)
    worker -> server   ("ready", max_frames) or ("error", exception) once, after loading the model;
                       then per job ("progress", callback args)*, then ("done", result) or ("error", exception)

A job's exception comes back as the same exception (a ValueError stays a ValueError with its message);
the worker prints the traceback of anything else to its stderr, the server's log. When the worker dies
(killed, out of memory) the job in flight raises ``ModelProcessError`` with a message a visitor may read,
and a new worker is started at once; one found dead between jobs is replaced before the next job.

Why (issue 21, ``benchmarks/bench_votes.py``): in the server's process the sampling loop took the CPU
and, between torch calls, the GIL from the event loop, so votes and page loads waited behind the model.
"""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection, Pipe
from pathlib import Path

from t2i_core.children import REPO, child_env
from t2i_core.editing import generate_scene, regenerate_segment, regenerate_window
from t2i_core.memory import release_freed_memory
from t2i_core.pipeline import GenerationResult, Text2InteractPipeline
from t2i_core.render.attention import AttentionSummary

WORKER_NICE = 10   # the worker's niceness: the web server (niceness 0) gets the CPU first
START_TIMEOUT_S = 600.0  # loading the model on a busy CPU; a worker that is not ready by then is stopped

log = logging.getLogger("text2interact.model")


# -- the jobs ------------------------------------------------------------------------------------
def generate_with_attention(pipeline: Text2InteractPipeline, prompt: str, callback=None,
                            **options) -> tuple[GenerationResult, AttentionSummary | None]:
    """The Generate page's job: a pair (or several samples) and the attention summary the Attention page shows.
    The full maps (frames x frames per block and head) never leave the model's process; the result's
    ``attention`` is None."""
    result = pipeline(prompt, return_attention=True, callback=callback, **options)
    summary = AttentionSummary.from_maps(result.attention) if result.attention is not None else None
    result.attention = None
    return result, summary


def react(pipeline: Text2InteractPipeline, person1, prompt: str, callback=None, **options) -> GenerationResult:
    """The Reaction page's job: person 2 generated around ``person1``."""
    return pipeline.react(person1, prompt, callback=callback, **options)


JOBS: dict[str, Callable] = {
    "generate": generate_with_attention,
    "react": react,
    "scene": generate_scene,
    "regenerate_segment": regenerate_segment,
    "regenerate_window": regenerate_window,
}


def run_job(pipeline: Text2InteractPipeline, job: str, args: tuple, kwargs: dict, callback=None):
    if job not in JOBS:
        raise KeyError(f"no model job {job!r}; the jobs are {', '.join(JOBS)}")
    return JOBS[job](pipeline, *args, callback=callback, **kwargs)


class ModelProcessError(RuntimeError):
    """The model's process died or could not be started; the message may be shown to a visitor."""


# -- in this process ------------------------------------------------------------------------------
class InProcessModel:
    """The jobs run on a pipeline in the calling process."""

    def __init__(self, pipeline: Text2InteractPipeline):
        self.pipeline = pipeline
        self.max_frames = pipeline.model.config.max_frames

    @classmethod
    def load(cls, checkpoint: str | Path, device: str = "cpu") -> InProcessModel:
        return cls(Text2InteractPipeline.from_pretrained(checkpoint, device=device))

    def run(self, job: str, *args, callback=None, **kwargs):
        return run_job(self.pipeline, job, args, kwargs, callback)

    def close(self) -> None:
        pass


# -- in a worker process --------------------------------------------------------------------------
class ModelWorker:
    """The jobs run in a child process that holds the pipeline (see the module's notes). Thread-safe: one job
    at a time, the others wait. Raises the child's loading error (CheckpointError, OSError, ...) when the model
    cannot be loaded."""

    def __init__(self, checkpoint: str | Path, device: str = "cpu", threads: int = 1, nice: int = WORKER_NICE,
                 start_timeout: float = START_TIMEOUT_S):
        self.checkpoint, self.device = Path(checkpoint), device
        self.threads, self.nice, self.start_timeout = max(1, int(threads)), int(nice), start_timeout
        self.max_frames = 0
        self.restarts = 0
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._connection: Connection | None = None
        self._start()

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def _start(self) -> None:
        ours, theirs = Pipe(duplex=True)  # a Unix socket pair
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", "t2i_core.model_worker", "--fd", str(theirs.fileno()),
                 "--checkpoint", str(self.checkpoint), "--device", self.device, "--threads", str(self.threads),
                 "--nice", str(self.nice)],
                pass_fds=(theirs.fileno(),), cwd=REPO,
                env=child_env(OMP_NUM_THREADS=str(self.threads), MKL_NUM_THREADS=str(self.threads)))
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()  # the child holds its own copy: when it dies, reading ours ends (EOFError)
        self._process, self._connection = process, ours
        try:
            if not ours.poll(self.start_timeout):
                raise ModelProcessError(f"the model's process did not load the model within {self.start_timeout:g} s")
            kind, payload = ours.recv()
        except (EOFError, OSError):
            self._stop()
            raise ModelProcessError(f"the model's process stopped while loading the model "
                                    f"(exit status {process.poll()})") from None
        except BaseException:
            self._stop()
            raise
        if kind != "ready":
            self._stop()
            raise payload
        self.max_frames = int(payload)
        log.info("model process %d ready (niceness +%d, %d torch threads)", process.pid, self.nice, self.threads)

    def _stop(self, kill: bool = False) -> int | None:
        """Close the connection and end the process (at once with ``kill``, else when it has seen the connection
        close); its exit status."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        process, self._process = self._process, None
        if process is None:
            return None
        if kill:
            process.kill()
        try:
            return process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            return process.wait()

    def _restart(self, why: str) -> None:
        log.error("%s; starting a new model process", why)
        self._stop()
        self.restarts += 1
        self._start()

    def run(self, job: str, *args, callback=None, **kwargs):
        """``job``'s result, computed in the worker; ``callback(*args)`` gets its progress reports here."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                status = None if self._process is None else self._process.returncode
                try:  # died between jobs (or a restart failed before): replace it, then run the job
                    self._restart(f"the model process is not running (exit status {status})")
                except Exception as error:
                    log.error("cannot start the model process: %s", error)
                    raise ModelProcessError("the model's process could not be started; the details are in the "
                                            "server log") from None
            try:
                self._connection.send((job, args, kwargs))
                while True:
                    kind, payload = self._connection.recv()
                    if kind == "progress":
                        if callback is not None:
                            callback(*payload)
                        continue
                    break
            except (EOFError, OSError):
                status = self._stop()
                try:
                    self._restart(f"the model process died during {job!r} (exit status {status})")
                except Exception as error:
                    log.error("cannot start the model process: %s", error)
                    raise ModelProcessError("the model's process stopped unexpectedly and could not be started "
                                            "again; the details are in the server log") from None
                raise ModelProcessError("the model's process stopped unexpectedly and has been restarted; "
                                        "please try again") from None
            except BaseException:
                # Interrupted here (a progress callback raised, the caller was cancelled): the worker is still on
                # this job, so it cannot take the next one. Stop it; the next job starts a new one.
                self._stop(kill=True)
                raise
        if kind == "error":
            raise payload
        return payload

    def close(self) -> None:
        with self._lock:
            self._stop()

    def __enter__(self) -> ModelWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- the worker's side ----------------------------------------------------------------------------
def _send_error(connection: Connection, error: BaseException) -> None:
    try:
        connection.send(("error", error))
    except Exception:  # an exception that does not pickle: its type and message
        connection.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))


def serve(connection: Connection, checkpoint: Path, device: str) -> None:
    """Load the pipeline, say so, then run jobs until the server closes the connection."""
    try:
        pipeline = Text2InteractPipeline.from_pretrained(checkpoint, device=device)
    except Exception as error:
        traceback.print_exc()
        _send_error(connection, error)
        return
    connection.send(("ready", pipeline.model.config.max_frames))

    def report(*args) -> None:
        connection.send(("progress", args))

    while True:
        try:
            job, args, kwargs = connection.recv()
        except EOFError:  # the server closed it or died
            return
        try:
            result = run_job(pipeline, job, args, kwargs, report)
        except Exception as error:
            if not isinstance(error, ValueError):  # a visitor's bad input is not worth a traceback
                traceback.print_exc()
            _send_error(connection, error)
        else:
            connection.send(("done", result))
            del result
        release_freed_memory()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The model's worker process (started by ModelWorker).")
    parser.add_argument("--fd", type=int, required=True, help="the socket to the server")
    parser.add_argument("--checkpoint", type=Path, required=True)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--nice", type=int, default=WORKER_NICE)
    args = parser.parse_args(argv)
    if args.nice:
        os.nice(args.nice)
    import torch

    torch.set_num_threads(max(1, args.threads))
    connection = Connection(args.fd)
    try:
        serve(connection, args.checkpoint, args.device)
    finally:
        connection.close()


if __name__ == "__main__":
    main()
