"""Adapter from a generator checkpoint to the protocol's MotionSource interface."""

from __future__ import annotations

from pathlib import Path

from t2i_core.checkpoint import CheckpointError, read_config
from t2i_core.models.registry import INTERACTOR


class PipelineSource:
    samples = True

    def __init__(self, pipeline, name: str, steps: int = 50, guidance_scale: float = 3.5, physics: bool = False):
        self.pipeline, self.name = pipeline, name
        self.steps, self.guidance_scale, self.physics = steps, guidance_scale, physics

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "cpu", steps: int = 50,
                        guidance_scale: float = 3.5, physics: bool = False) -> PipelineSource:
        read_config(folder, INTERACTOR.name)  # a clear error for a folder that is not a generator
        try:
            from t2i_core.pipeline import Text2InteractPipeline
        except ImportError as error:
            raise CheckpointError(f"{folder}: InterActor generation is not available in this build") from error
        return cls(Text2InteractPipeline.from_pretrained(folder, device=device), Path(folder).name, steps,
                   guidance_scale, physics)

    def generate(self, texts, items, seed):
        return self.pipeline.generate_for_evaluation(texts, [item.length for item in items], seed,
                                                     guidance_scale=self.guidance_scale, steps=self.steps,
                                                     physics=self.physics)
