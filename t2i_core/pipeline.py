"""Text -> two-person motion: the generation pipeline (diffusers style).

    pipe = Text2InteractPipeline.from_pretrained("assets/interactor")
    result = pipe("one person waves, the other bows", seconds=4, seed=0)
    result.joints  # (num_samples, 2, T, 22, 3), metres, Y-up, 30 fps

The pipeline holds the denoiser, the (weight-free) DDIM scheduler, the frozen text encoder and
the normalisation statistics. Every entry point (``__call__``, ``generate_batch``,
``generate_for_evaluation``, ``react_batch``, ``react``) runs the same named steps, which other
modules may call too: ``check_inputs`` / ``check_lengths``, ``encode_prompt``, ``prepare_noise``
(each item's noise from its own seed at its own length), ``frame_mask``, ``denoise`` (the shared
``diffusion.sampling.denoise`` loop with guidance, inpainting and physics) and ``decode``
(un-normalised features cut to each length).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch

from t2i_core.diffusion import sampling
from t2i_core.diffusion.ddim import DDIMScheduler
from t2i_core.diffusion.given_person import GivenPerson
from t2i_core.diffusion.guidance import DEFAULT_GUIDANCE_SCALE, tile_batch
from t2i_core.diffusion.known_frames import METHODS as KNOWN_FRAMES_METHODS
from t2i_core.diffusion.known_frames import KnownFrames
from t2i_core.models.interactor import InterActor
from t2i_core.models.registry import INTERACTOR, NORMALIZATION_FILE, load_checkpoint, save_checkpoint
from t2i_core.motion.features import FEATURE_DIM, MIN_CLIP_FRAMES, features_to_joints
from t2i_core.physical_guidance import PhysicalGuidance, PhysicalGuidanceConfig
from t2i_core.protocol import EVALUATION_BATCH
from t2i_core.skeleton import FPS
from t2i_core.text.base import TextEncoder, TextEncoding
from t2i_core.text.registry import build_text_encoder

SECONDS_RANGE = (1.0, 10.0)
STEPS_RANGE = (1, 1000)
MAX_SAMPLES = 16
DEFAULT_GUIDANCE = DEFAULT_GUIDANCE_SCALE  # the app's and every script's default (see the InterActor card)
DEFAULT_STEPS = 50
# What the app and `t2i_core.generate` do unless told otherwise (set from the InterActor card's
# measurements: with the shipped model it lowers penetration, foot sliding and jitter without lowering
# R-precision). Library calls keep it off unless asked, so measurements and compose runs say what they use.
DEFAULT_PHYSICS = True


Physics = bool | PhysicalGuidanceConfig  # physical guidance at sampling: off, on (defaults) or configured


def physics_config(physics: Physics) -> PhysicalGuidanceConfig | None:
    if isinstance(physics, PhysicalGuidanceConfig):
        return physics
    return PhysicalGuidanceConfig() if physics else None


def physics_settings(physics: Physics) -> dict | None:
    """What a settings JSON records of the physical guidance (None when off)."""
    config = physics_config(physics)
    return None if config is None else asdict(config)


@dataclass
class AttentionMaps:
    """Attention averaged over the denoising steps, expanded from motion tokens to frames.

    word:   (blocks, samples, 2, heads, frames, words) weights on the caption's tokens; the rest
            of each row (1 - sum) went to the learned null token.
    person: (blocks, samples, 2, heads, frames, frames) each person's attention to the other.
    """

    tokens: list[str]
    word: np.ndarray | None
    person: np.ndarray


@dataclass
class GenerationResult:
    prompt: str
    features: np.ndarray            # (N, 2, T, 262) un-normalised
    joints: np.ndarray              # (N, 2, T, 22, 3)
    seeds: list[int]
    fps: int = FPS
    settings: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    attention: AttentionMaps | None = None


def trained_with_prefixes(payload: dict) -> bool:
    """Whether a checkpoint's training gave clean prefix frames (``training.prefix_prob`` > 0 in config.json)."""
    training = payload.get("training") or {}
    return float(training.get("prefix_prob") or 0.0) > 0.0


class Text2InteractPipeline:
    """``known_frames``: how ``inpaint`` conditions on known frames, ``"trained"`` (a checkpoint trained
    with clean prefixes: ``from_pretrained`` picks it from its config.json) or ``"inpaint"``."""

    def __init__(self, model: InterActor, scheduler: DDIMScheduler, text_encoder: TextEncoder,
                 mean: torch.Tensor, std: torch.Tensor, device: str | torch.device = "cpu",
                 known_frames: str = "inpaint"):
        if text_encoder.name != model.config.text_encoder:
            raise ValueError(f"model reads {model.config.text_encoder!r} tokens, got encoder {text_encoder.name!r}")
        if known_frames not in KNOWN_FRAMES_METHODS:
            raise ValueError(f"known_frames {known_frames!r}; accepted: {', '.join(KNOWN_FRAMES_METHODS)}")
        self.known_frames = known_frames
        self.device = torch.device(device)
        self.model = model.eval().to(self.device)
        self.scheduler, self.text_encoder = scheduler, text_encoder
        self.mean, self.std = mean.to(self.device), std.to(self.device)

    # -- loading and saving ------------------------------------------------------------------
    @classmethod
    def from_pretrained(cls, folder: str | Path, device: str = "cpu",
                        text_encoder: TextEncoder | None = None) -> Text2InteractPipeline:
        checkpoint = load_checkpoint(folder, INTERACTOR)
        model, stats = checkpoint.model, checkpoint.tensors[NORMALIZATION_FILE]
        scheduler = DDIMScheduler.of_checkpoint(folder)
        encoder = text_encoder or build_text_encoder(model.config.text_encoder, device=device)
        method = "trained" if trained_with_prefixes(checkpoint.payload) else "inpaint"
        return cls(model, scheduler, encoder, stats["mean"], stats["std"], device, known_frames=method)

    def save_pretrained(self, folder: str | Path, **extra) -> Path:
        stats = {"mean": self.mean.float(), "std": self.std.float()}
        folder = save_checkpoint(folder, self.model, tensors={NORMALIZATION_FILE: stats}, **extra)
        self.scheduler.save_config(folder)
        return folder

    # -- generation --------------------------------------------------------------------------
    @staticmethod
    def check_inputs(prompt, seconds, num_samples, guidance_scale, steps) -> None:
        if not isinstance(prompt, str) or not prompt.strip():
            raise ValueError("the prompt is empty: describe the interaction, e.g. "
                             "'one person waves, the other waves back'")
        if not SECONDS_RANGE[0] <= float(seconds) <= SECONDS_RANGE[1]:
            raise ValueError(f"seconds must be between {SECONDS_RANGE[0]:g} and {SECONDS_RANGE[1]:g}, got {seconds}")
        if not 1 <= int(num_samples) <= MAX_SAMPLES:
            raise ValueError(f"number of samples must be between 1 and {MAX_SAMPLES}, got {num_samples}")
        if not float(guidance_scale) >= 0:
            raise ValueError(f"guidance scale must be 0 or more, got {guidance_scale}")
        if not STEPS_RANGE[0] <= int(steps) <= STEPS_RANGE[1]:
            raise ValueError(f"steps must be between {STEPS_RANGE[0]} and {STEPS_RANGE[1]}, got {steps}")

    @torch.no_grad()
    def __call__(self, prompt: str, seconds: float = 5.0, seed: int | list[int] = 0, num_samples: int = 1,
                 guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS, eta: float = 0.0,
                 return_attention: bool = False, callback=None, physics: Physics = False) -> GenerationResult:
        """``callback(step, total)``, when given, is called after each denoising step (for progress bars);
        ``physics`` (True or a ``PhysicalGuidanceConfig``) turns on physical guidance."""
        seeds = sample_seeds(seed, num_samples)
        self.check_inputs(prompt, seconds, len(seeds), guidance_scale, steps)
        frames, count = round(float(seconds) * FPS), len(seeds)
        encoding = self.encode_prompt([prompt])
        warnings = []
        if encoding.truncated[0]:
            warnings.append(f"the prompt was cut to the text encoder's limit of {self.text_encoder.max_tokens} tokens")
        lengths = [frames] * count
        x0, maps = self.denoise(self.prepare_noise(seeds, lengths), encoding.expand(count),
                                self.frame_mask(lengths), guidance_scale, int(steps), eta, seeds[0],
                                return_attention, callback, physics=physics)
        features = np.stack(self.decode(x0, lengths))
        attention = None
        if return_attention:
            attention = self._attention_maps(maps, encoding, frames)
        settings = {"prompt": prompt, "seconds": float(seconds), "seeds": seeds, "guidance_scale": guidance_scale,
                    "steps": int(steps), "eta": eta, "frames": frames, "fps": FPS,
                    "physics": physics_settings(physics)}
        return GenerationResult(prompt, features, features_to_joints(features), seeds, FPS, settings, warnings,
                                attention)

    # -- the steps every entry point runs ----------------------------------------------------
    def check_lengths(self, lengths: list[int]) -> list[int]:
        """Frame counts the model can generate, as ints (ValueError naming the accepted range)."""
        lengths = [int(n) for n in lengths]
        for n in lengths:
            if not MIN_CLIP_FRAMES <= n <= self.model.config.max_frames:
                raise ValueError(f"lengths must be {MIN_CLIP_FRAMES} to {self.model.config.max_frames} frames, got {n}")
        return lengths

    @torch.no_grad()
    def encode_prompt(self, texts: list[str]) -> TextEncoding:
        """The text encoder's tokens, masks and pooled features of ``texts`` (stripped), on the device."""
        return self.text_encoder([t.strip() for t in texts]).to(self.device)

    def prepare_noise(self, seeds: list[int], lengths: list[int], persons: int | None = None) -> torch.Tensor:
        """(N, persons, longest, 262) initial noise: item i's drawn from ``seeds[i]`` at its own length (zeros
        past it), so an item never depends on what else is in the batch."""
        persons = persons or self.model.config.persons
        noise = torch.zeros(len(seeds), persons, max(lengths), FEATURE_DIM)
        for i, (seed, n) in enumerate(zip(seeds, lengths)):
            noise[i, :, :n] = torch.randn(persons, n, FEATURE_DIM, generator=torch.Generator().manual_seed(int(seed)))
        return noise.to(self.device)

    def frame_mask(self, lengths: list[int]) -> torch.Tensor:
        """(N, longest) bool, True on each item's own frames."""
        return (torch.arange(max(lengths))[None] < torch.tensor(lengths)[:, None]).to(self.device)

    def decode(self, x0: torch.Tensor, lengths: list[int]) -> list[np.ndarray]:
        """Un-normalised features (persons, length_i, 262) per item."""
        features = (x0 * self.std + self.mean).detach().cpu().numpy()
        return [features[i, :, :n] for i, n in enumerate(lengths)]

    @torch.no_grad()
    def denoise(self, noise: torch.Tensor, encoding: TextEncoding, frame_mask: torch.Tensor, guidance_scale: float,
                steps: int, eta: float = 0.0, seed: int = 0, need_weights: bool = False, callback=None,
                given: GivenPerson | KnownFrames | None = None, physics: Physics = False,
                zero_padding: bool = False, start: torch.Tensor | None = None, strength: float = 1.0):
        """The shared DDIM loop on InterActor from ``noise`` to normalised x0; with ``need_weights`` also each
        step's attention maps; with ``given`` one person's clean motion is known and only the other is
        generated; with ``zero_padding`` frames past each item's length are zeroed after every step (batch
        independence). ``seed`` seeds the stochastic part (eta > 0, inpainting's re-noising). With ``start``
        (a normalised clean sample shaped like ``noise``) and ``strength`` in (0, 1], SDEdit: ``start`` is
        noised by ``noise`` to the timestep ``strength`` of the way up and only the rest of the loop is run."""
        words, word_mask, pooled = encoding.tokens, encoding.mask, encoding.pooled
        generator = torch.Generator(device=self.device).manual_seed(seed) if eta > 0 else None
        count = noise.shape[0]
        collected = []

        def model_fn(x, t, drop):
            rows = x.shape[0]
            out = self.model(x, t, tile_batch(words, rows), tile_batch(word_mask, rows), tile_batch(pooled, rows),
                             tile_batch(frame_mask, rows), drop, need_weights=need_weights)
            if not need_weights:
                return out
            out, maps = out
            collected.append([{k: v[:count] for k, v in m.items()} for m in maps])  # the conditional rows
            return out

        transforms, sample_transform = [], None
        config = physics_config(physics)
        if config is not None:
            transforms.append(PhysicalGuidance(self.mean, self.std, frame_mask, config))
        first = 0
        if start is not None:
            if start.shape != noise.shape:
                raise ValueError(f"the start sample {tuple(start.shape)} must be shaped like the noise "
                                 f"{tuple(noise.shape)}")
            first = sampling.partial_start(steps, strength)
            self.scheduler.set_timesteps(steps)
            at = torch.full((count,), int(self.scheduler.timesteps[first]), dtype=torch.long)
            noise = self.scheduler.add_noise(start.to(noise.device, noise.dtype), noise, at)
        if given is not None:
            renoise = torch.Generator(device=self.device).manual_seed(seed)  # inpainting's fresh q(x_t | x) draws
            self.scheduler.set_timesteps(steps)
            noise = given.initial(noise, self.scheduler, int(self.scheduler.timesteps[first]), renoise)
            model_fn = given.wrap(model_fn)
            transforms.append(given.x0_transform)  # after physics: the given person stays exactly as given
            sample_transform = given.sample_transform(self.scheduler, renoise)

        def x0_transform(x0, t, i):
            for transform in transforms:
                x0 = transform(x0, t, i)
            return x0

        if zero_padding and not bool(frame_mask.all()):
            sample_transform = _zeroing_padding(sample_transform, frame_mask)

        x0 = sampling.denoise(model_fn, noise, self.scheduler, steps, guidance_scale, eta=eta, generator=generator,
                     callback=callback, x0_transform=x0_transform if transforms else None,
                     sample_transform=sample_transform, start_step=first)
        return x0, collected

    def _attention_maps(self, collected, encoding, frames) -> AttentionMaps:
        step = self.model.config.frames_per_token

        def to_frames(a: torch.Tensor, axes: tuple[int, ...]) -> torch.Tensor:
            for axis in axes:
                a = a.repeat_interleave(step, dim=axis).narrow(axis, 0, frames)
            return a

        blocks = len(collected[0])
        word = None
        if "word" in collected[0][0]:
            word = torch.stack([torch.stack([m[b]["word"] for m in collected]).mean(0) for b in range(blocks)])
            word = to_frames(word[..., 1:], (-2,))  # drop the null token's column
        person = torch.stack([torch.stack([m[b]["person"] for m in collected]).mean(0) for b in range(blocks)])
        person = to_frames(person, (-2, -1))
        words = encoding.token_strings[0]
        return AttentionMaps(words, None if word is None else word[..., : len(words)].cpu().numpy(),
                             person.cpu().numpy())

    @torch.no_grad()
    def generate_for_evaluation(self, texts: list[str], lengths: list[int], seed: int,
                                guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS,
                                batch_size: int = EVALUATION_BATCH, physics: Physics = False) -> list[np.ndarray]:
        """One motion (persons, length, 262) per text, un-normalised, for the evaluation protocol. Item i's noise
        comes from ``item_seed(seed, i)``, so the motions (and every metric) do not depend on ``batch_size``."""
        out: list[np.ndarray] = []
        for start in range(0, len(texts), batch_size):
            stop = min(start + batch_size, len(texts))
            out += self._generate(texts[start:stop], [int(n) for n in lengths[start:stop]],
                                  [item_seed(seed, i) for i in range(start, stop)], guidance_scale, steps, physics)
        return out

    @torch.no_grad()
    def generate_batch(self, texts: list[str], lengths: list[int], seeds: list[int],
                       guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS,
                       physics: Physics = False) -> list[np.ndarray]:
        """One motion (persons, length_i, 262) per text, un-normalised, a function of its own text, length
        and seed only: each item's noise is drawn from its seed at its length, and its padding is zeroed
        every step (a motion token groups frames, so it would otherwise read its neighbours' padding).
        With a single-person checkpoint (``config.persons == 1``) each motion is (1, length_i, 262).
        """
        if not len(texts) == len(lengths) == len(seeds) or not texts:
            raise ValueError(f"need one length and one seed per text, got {len(texts)} texts, {len(lengths)} "
                             f"lengths and {len(seeds)} seeds")
        return self._generate(texts, self.check_lengths(lengths), seeds, guidance_scale, steps, physics)

    def _generate(self, texts, lengths, seeds, guidance_scale, steps, physics) -> list[np.ndarray]:
        x0, _ = self.denoise(self.prepare_noise(seeds, lengths), self.encode_prompt(texts), self.frame_mask(lengths),
                             guidance_scale, int(steps), 0.0, int(seeds[0]), physics=physics, zero_padding=True)
        return self.decode(x0, lengths)

    # -- reaction: person 2 for a given person 1 -----------------------------------------------
    @torch.no_grad()
    def react_batch(self, person1: list[np.ndarray], texts: list[str], seeds: list[int],
                    guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS, method: str = "trained",
                    callback=None, physics: Physics = False, person2: list[np.ndarray] | None = None,
                    strength: float = 1.0) -> list[np.ndarray]:
        """Pairs (2, T_i, 262), un-normalised, whose person 1 is ``person1[i]`` (T_i, 262) exactly.

        ``method="trained"`` needs a model trained with reaction samples (``--reaction-prob``);
        ``"inpaint"`` works with any two-person model (the baseline). Each pair's noise comes from its
        own seed, so a pair does not depend on what else is in the batch. With ``person2`` (a draft of
        person 2 per item, (T_i, 262) in person 1's frame) person 2 is not generated from noise but coupled
        to person 1 (SDEdit): its draft is noised to ``strength`` in (0, 1] and denoised by the pair model.
        """
        if self.model.config.persons != 2:
            raise ValueError("reaction generation needs a two-person model; this checkpoint has one person")
        if not len(person1) == len(texts) == len(seeds) or not person1:
            raise ValueError(f"need one text and one seed per person-1 motion, got {len(person1)} motions, "
                             f"{len(texts)} texts and {len(seeds)} seeds")
        for motion in person1:
            if motion.ndim != 2 or motion.shape[1] != FEATURE_DIM or not np.isfinite(motion).all():
                raise ValueError(f"person 1 must be a finite (frames, {FEATURE_DIM}) feature array, got {motion.shape}")
            if not MIN_CLIP_FRAMES <= motion.shape[0] <= self.model.config.max_frames:
                raise ValueError(f"person 1 must have {MIN_CLIP_FRAMES} to {self.model.config.max_frames} frames, "
                                 f"got {motion.shape[0]}")
        lengths = [motion.shape[0] for motion in person1]
        if person2 is not None:
            if len(person2) != len(person1):
                raise ValueError(f"need one person-2 draft per person-1 motion, got {len(person2)} for {len(person1)}")
            for motion, n in zip(person2, lengths):
                if np.shape(motion) != (n, FEATURE_DIM) or not np.isfinite(motion).all():
                    raise ValueError(f"a person-2 draft must be a finite ({n}, {FEATURE_DIM}) feature array like its "
                                     f"person 1, got {np.shape(motion)}")
        frame_mask = self.frame_mask(lengths)
        clean = self._normalised(person1, lengths, frame_mask)
        given = GivenPerson(clean, person=0, method=method, seeds=[int(s) for s in seeds], lengths=lengths)
        start = None if person2 is None else torch.stack([clean, self._normalised(person2, lengths, frame_mask)], 1)
        x0, _ = self.denoise(self.prepare_noise(seeds, lengths, persons=2), self.encode_prompt(texts), frame_mask,
                             guidance_scale, int(steps), 0.0, int(seeds[0]), callback=callback, given=given,
                             physics=physics, zero_padding=True, start=start, strength=strength)
        out = self.decode(x0, lengths)
        for pair, motion in zip(out, person1):
            pair[0] = motion  # exactly the given motion (the round trip through the normalisation is not)
        return out

    def _normalised(self, motions: list[np.ndarray], lengths: list[int], frame_mask: torch.Tensor) -> torch.Tensor:
        """(N, longest, 262): one person's motions normalised, zero past each length."""
        clean = torch.zeros(len(motions), max(lengths), FEATURE_DIM)
        for i, motion in enumerate(motions):
            clean[i, : lengths[i]] = torch.from_numpy(np.asarray(motion, dtype=np.float32))
        return ((clean.to(self.device) - self.mean) / self.std) * frame_mask[..., None]

    def react(self, person1: np.ndarray, prompt: str, seed: int | list[int] = 0, num_samples: int = 1,
              guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS, method: str = "trained",
              callback=None, physics: Physics = False) -> GenerationResult:
        """Person 2 reacting to ``person1`` (T, 262) as ``prompt`` says, as a ``GenerationResult``."""
        seeds = sample_seeds(seed, num_samples)
        self.check_inputs(prompt, SECONDS_RANGE[0], len(seeds), guidance_scale, steps)
        person1 = np.asarray(person1, dtype=np.float32)
        pairs = self.react_batch([person1] * len(seeds), [prompt] * len(seeds), seeds, guidance_scale, steps,
                                 method, callback, physics)
        features = np.stack(pairs)
        settings = {"prompt": prompt, "seconds": features.shape[2] / FPS, "seeds": seeds,
                    "guidance_scale": guidance_scale, "steps": int(steps), "frames": features.shape[2], "fps": FPS,
                    "reaction": method, "physics": physics_settings(physics)}
        return GenerationResult(prompt, features, features_to_joints(features), seeds, FPS, settings)

    # -- inpainting along time: some frames of either person known (scenes and edits) ---------
    @torch.no_grad()
    def inpaint(self, features: np.ndarray, known: np.ndarray, prompt: str, seed: int = 0,
                guidance_scale: float = DEFAULT_GUIDANCE, steps: int = DEFAULT_STEPS, callback=None,
                physics: Physics = False) -> np.ndarray:
        """A pair (2, T, 262), un-normalised, equal to ``features`` (2, T, 262) exactly where ``known``
        (2, T) is True and generated for ``prompt`` elsewhere (``diffusion.known_frames``, by the pipeline's
        ``known_frames`` method). The motion is in the model's canonical frame; ``t2i_core.editing`` builds
        scenes and edits on this."""
        self.check_inputs(prompt, SECONDS_RANGE[0], 1, guidance_scale, steps)
        persons, frames = self.model.config.persons, np.shape(features)[1]
        if np.shape(features) != (persons, frames, FEATURE_DIM) or not np.isfinite(features).all():
            raise ValueError(f"the motion must be a finite ({persons}, frames, {FEATURE_DIM}) feature array, "
                             f"got {np.shape(features)}")
        if np.shape(known) != (persons, frames):
            raise ValueError(f"the known mask must be ({persons}, {frames}), got {np.shape(known)}")
        if not 1 <= frames <= self.model.config.max_frames:
            raise ValueError(f"an inpainted motion is 1 to {self.model.config.max_frames} frames, got {frames}")
        features = np.asarray(features, dtype=np.float32)
        known = np.asarray(known, dtype=bool)
        clean = (torch.from_numpy(features).to(self.device) - self.mean) / self.std
        given = KnownFrames(clean[None], torch.from_numpy(known)[None], seeds=[int(seed)], method=self.known_frames)
        x0, _ = self.denoise(self.prepare_noise([int(seed)], [frames]), self.encode_prompt([prompt]),
                             self.frame_mask([frames]), guidance_scale, int(steps), 0.0, int(seed), callback=callback,
                             given=given, physics=physics)
        out = self.decode(x0, [frames])[0]
        out[known] = features[known]  # exactly the given frames (the normalisation round trip is not)
        return out


def sample_seeds(seed: int | list[int], num_samples: int) -> list[int]:
    """A list of seeds as given, or ``num_samples`` consecutive ones from ``seed``."""
    return list(seed) if isinstance(seed, list | tuple) else [int(seed) + i for i in range(int(num_samples))]


def item_seed(seed: int, index: int) -> int:
    """The noise seed of item ``index`` of an evaluation run with ``seed``: a function of the two only."""
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1)[0])


def _zeroing_padding(sample_transform, frame_mask: torch.Tensor):
    """``sample_transform`` followed by zeroing the frames past each item's length."""
    valid = frame_mask[:, None, :, None].float()

    def transform(x: torch.Tensor, t_prev: int, i: int) -> torch.Tensor:
        if sample_transform is not None:
            x = sample_transform(x, t_prev, i)
        return x * valid.to(x.dtype)

    return transform
