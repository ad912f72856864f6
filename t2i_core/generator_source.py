"""Adapter from a generator checkpoint to the protocol's MotionSource interface."""

from __future__ import annotations

from pathlib import Path

from t2i_core.checkpoint import read_config
from t2i_core.models.registry import INTERACTOR
from t2i_core.pipeline import DEFAULT_GUIDANCE, DEFAULT_STEPS, Text2InteractPipeline
from t2i_core.protocol import EVALUATION_BATCH


class PipelineSource:
    samples = True

    def __init__(self, pipeline, name: str, steps: int = DEFAULT_STEPS, guidance_scale: float = DEFAULT_GUIDANCE,
                 physics: bool = False, batch_size: int = EVALUATION_BATCH):
        self.pipeline, self.name = pipeline, name
        self.steps, self.guidance_scale, self.physics, self.batch_size = steps, guidance_scale, physics, batch_size

    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "cpu", steps: int = DEFAULT_STEPS,
                        guidance_scale: float = DEFAULT_GUIDANCE, physics: bool = False,
                        batch_size: int = EVALUATION_BATCH) -> PipelineSource:
        read_config(folder, INTERACTOR.name)  # a clear error for a folder that is not a generator
        return cls(Text2InteractPipeline.from_pretrained(folder, device=device), Path(folder).name, steps,
                   guidance_scale, physics, batch_size)

    def generate(self, texts, items, seed):
        return self.pipeline.generate_for_evaluation(texts, [item.length for item in items], seed,
                                                     guidance_scale=self.guidance_scale, steps=self.steps,
                                                     batch_size=self.batch_size, physics=self.physics)
