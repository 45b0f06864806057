"""Export the sentence-transformers model to ONNX (fp32, q8 and int8), for serving without torch.

The graph takes ``input_ids``, ``attention_mask`` and ``token_type_ids`` and returns the mean
pooled, L2-normalised sentence embedding, exactly what sentence-transformers computes for
all-MiniLM-L6-v2 (Transformer, mean Pooling, Normalize), and beside it each token's last-layer
vector, normalised (``tokens``: what token-level recall reads, :mod:`grader.scoring.token_recall`).

- q8: every linear layer's weights in 8 bits, in blocks of 32 with their own scale (ONNX
  Runtime's ``MatMulNBits``, computed in int8 with each token's activations quantised in blocks
  of its own): a text's embedding depends on nothing batched with it, and stays within 0.002 of
  fp32's cosines on average.
- int8: ONNX Runtime's dynamic quantisation (one activation scale per input tensor).

Torch is imported here only.
"""

from __future__ import annotations

import json
import shutil
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.scoring.onnx_embedder import (
    FP32_FILE,
    INT8_FILE,
    MAX_TOKENS,
    Q8_FILE,
    TOKENIZER_FILE,
    TOKENS_OUTPUT,
    export_folder,
)

OPSET = 17


@dataclass(frozen=True)
class Exported:
    folder: Path
    fp32_bytes: int
    q8_bytes: int
    int8_bytes: int


def export_onnx(model_path: Path, onnx_dir: Path, *, force: bool = False) -> Exported:
    """Write ``model.onnx``, ``model-q8.onnx``, ``model-int8.onnx`` and the tokenizer under
    ``onnx_dir``, in a folder named after the source model's fingerprint (a changed model gets
    a new folder)."""
    folder = export_folder(onnx_dir, model_path)
    fp32, q8, int8 = folder / FP32_FILE, folder / Q8_FILE, folder / INT8_FILE
    if force or not (fp32.exists() and q8.exists() and int8.exists()):
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f"{FP32_FILE}.partial"
        _export_fp32(model_path, partial)
        partial.replace(fp32)
        _quantise_blockwise(fp32, q8)
        _quantise(fp32, int8)
        shutil.copy(model_path / TOKENIZER_FILE, folder / TOKENIZER_FILE)
        (folder / "source.json").write_text(
            json.dumps({"model_path": str(model_path), "opset": OPSET, "max_tokens": MAX_TOKENS})
            + "\n",
            encoding="utf-8",
        )
    return Exported(folder, fp32.stat().st_size, q8.stat().st_size, int8.stat().st_size)


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
    # In float32 whatever the folder holds: `grader train` saves fp16 weights, and a graph
    # traced in fp16 mixes types that ONNX Runtime refuses to load.
    bert = AutoModel.from_pretrained(
        str(model_path), local_files_only=True, dtype=torch.float32
    ).eval()

    class MeanPooledNormalised(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> tuple[torch.Tensor, torch.Tensor]:
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            # The token vectors too (normalised), for token-level recall: the same run gives
            # both, and ONNX Runtime computes only the outputs a caller asks for.
            tokens = torch.nn.functional.normalize(hidden, p=2.0, dim=2)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1), tokens

    _export_bert_graph(MeanPooledNormalised(), target, ("embedding", TOKENS_OUTPUT))


def _export_bert_graph(module: Any, target: Path, outputs: tuple[str, ...]) -> None:
    """Trace a module taking BERT's three inputs (any batch, any length) into ONNX."""
    import torch

    example = torch.ones((2, 8), dtype=torch.int64)
    axes = {0: "batch", 1: "tokens"}
    # The tracer's notes (fixed-size checks, advanced indexing, the newer exporter) do not apply
    # to a BERT with dynamic batch and length; each graph is checked against torch in the tests.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            module,
            (example, example, torch.zeros_like(example)),
            str(target),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=list(outputs),
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                **{name: axes if name == TOKENS_OUTPUT else {0: "batch"} for name in outputs},
            },
            opset_version=OPSET,
            dynamo=False,
        )


def _quantise_blockwise(fp32: Path, q8: Path) -> None:
    import logging

    import onnx

    # The quantiser's module configures the root logger at INFO on import (then every layer it
    # and the int8 quantiser visit is reported): the root logger is put back as it was.
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    root.setLevel(level)
    root.handlers[:] = handlers
    partial = q8.with_name(f"{q8.name}.partial")
    # Blocks of 32 (not 128): within a block the scale is shared, and 32 kept the embeddings
    # batch-independent to 1e-6 (128 drifted 6e-4 with the batch) at the same speed.
    # accuracy_level 4: int8 arithmetic, each row of activations quantised on its own.
    quantiser = MatMulNBitsQuantizer(
        onnx.load(str(fp32)), bits=8, block_size=32, is_symmetric=True, accuracy_level=4
    )
    quantiser.process()
    onnx.save(quantiser.model.model, str(partial))
    partial.replace(q8)


def _quantise(fp32: Path, int8: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = int8.with_name(f"{int8.name}.partial")
    # Per-channel scales keep int8 close to fp32 (pairwise cosines within ~0.01 on average;
    # per-tensor scales drift three times as far).
    quantize_dynamic(str(fp32), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    partial.replace(int8)


def export_judge(judge_path: Path, onnx_dir: Path, *, force: bool = False) -> Path:
    """Write the key-point judge (a cross-encoder, fp32: its logit for a pair does not depend
    on what is run beside it) and its tokenizer; returns the ONNX file."""
    from grader.scoring.judge import JUDGE_FILE, judge_folder
    from grader.scoring.judge import TOKENIZER_FILE as JUDGE_TOKENIZER

    folder = judge_folder(onnx_dir, judge_path)
    target = folder / JUDGE_FILE
    if target.exists() and not force:
        return target
    import torch
    from transformers import AutoModelForSequenceClassification

    folder.mkdir(parents=True, exist_ok=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(judge_path), local_files_only=True, dtype=torch.float32
    ).eval()

    class Logit(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(
            self,
            input_ids: torch.Tensor,
            attention_mask: torch.Tensor,
            token_type_ids: torch.Tensor,
        ) -> torch.Tensor:
            logits: torch.Tensor = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).logits
            return logits[:, 0]

    partial = folder / f"{JUDGE_FILE}.partial"
    _export_bert_graph(Logit(), partial, ("logit",))
    partial.replace(target)
    shutil.copy(judge_path / JUDGE_TOKENIZER, folder / JUDGE_TOKENIZER)
    return target
