"""Export the sentence-transformers model to ONNX (fp32 and int8), for serving without torch.

The graph takes ``input_ids``, ``attention_mask`` and ``token_type_ids`` and returns the mean
pooled, L2-normalised sentence embedding, exactly what sentence-transformers computes for
all-MiniLM-L6-v2 (Transformer, mean Pooling, Normalize). int8 is ONNX Runtime's dynamic
quantisation of the weights (activations quantised on the fly). Torch is imported here only.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.scoring.onnx_embedder import (
    FP32_FILE,
    INT8_FILE,
    MAX_TOKENS,
    TOKENIZER_FILE,
    export_folder,
)

OPSET = 17


@dataclass(frozen=True)
class Exported:
    folder: Path
    fp32_bytes: int
    int8_bytes: int


def export_onnx(model_path: Path, onnx_dir: Path, *, force: bool = False) -> Exported:
    """Write ``model.onnx``, ``model-int8.onnx`` and the tokenizer under ``onnx_dir``, in a
    folder named after the source model's fingerprint (a changed model gets a new folder)."""
    folder = export_folder(onnx_dir, model_path)
    fp32, int8 = folder / FP32_FILE, folder / INT8_FILE
    if force or not (fp32.exists() and int8.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{FP32_FILE}.partial"
        _export_fp32(model_path, partial)
        partial.replace(fp32)
        _quantise(fp32, int8)
        shutil.copy(model_path / TOKENIZER_FILE, folder / TOKENIZER_FILE)
        (folder / "source.json").write_text(
            json.dumps({"model_path": str(model_path), "opset": OPSET, "max_tokens": MAX_TOKENS})
            + "\n",
            encoding="utf-8",
        )
    return Exported(folder, fp32.stat().st_size, int8.stat().st_size)


def _export_fp32(model_path: Path, target: Path) -> None:
    import logging
    import warnings

    import torch
    from transformers import AutoModel
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    # The exporter's notes on tracing (fixed-size checks, advanced indexing) do not apply to a
    # mean-pooled BERT with dynamic batch and length; the graph is checked against torch.
    warnings.filterwarnings("ignore", category=torch.jit.TracerWarning)  # type: ignore[attr-defined]
    warnings.filterwarnings("ignore", category=UserWarning, module="torch")
    logging.getLogger("root").setLevel(logging.ERROR)
    bert = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()

    class MeanPooledNormalised(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            MeanPooledNormalised(),
            (example, example, torch.zeros_like(example)),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "embedding": {0: "batch"},
            },
            opset_version=OPSET,
            dynamo=False,
        )


def _quantise(fp32: Path, int8: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = int8.with_name(f"{int8.name}.partial")
    # Per-channel scales keep int8 close to fp32 (pairwise cosines within ~0.01 on average;
    # per-tensor scales drift three times as far).
    quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    partial.replace(int8)
