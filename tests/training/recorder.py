"""A stand-in for ``train_interactor.train`` that the experiment runners' tests share."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path


class Recorder:
    """The real trainer, each call's (name, config, options) recorded; ``interrupt`` stops the named run after
    one step and raises as a kill would. ``name_of`` names a run by its output folder."""

    def __init__(self, real, name_of: Callable[[Path], str], interrupt: str | None = None):
        self.real, self.name_of, self.interrupt, self.calls = real, name_of, interrupt, []

    def __call__(self, config, options):
        name = self.name_of(options.out)
        self.calls.append((name, config, options))
        if name == self.interrupt:
            self.interrupt = None
            self.real(config, replace(options, stop_after=1))
            raise KeyboardInterrupt
        return self.real(config, options)


def refuse(config, options):
    raise AssertionError(f"the trainer was called: {config}")
