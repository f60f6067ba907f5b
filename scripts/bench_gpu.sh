#!/usr/bin/env bash
# The efficiency checks and benchmarks on a CUDA machine in one command (about 10 minutes):
# scan-backend parity on the GPU (and mamba_ssm state-dict loading where it imports);
# `mvc bench ssm` with mamba_ssm's `cuda` kernel when installed and our `chunked` scan,
# against attention and a BiLSTM of the same width; `mvc bench encoders` (the conditioning
# paths of MVC, StyleTTS2 and the hybrid at default and paper width, batch 1 and 8: the
# Mamba layers pick mamba_ssm's kernel where it imports, else `chunked`); and `mvc bench
# synth` on the trained checkpoints in results/train/ when all three exist. Writes the same
# CSVs as on the CPU, with a _cuda suffix, in results/bench/.
# Usage: bash scripts/bench_gpu.sh [--lengths ...]   (the options go to `mvc bench ssm`;
# PYTHON=... picks the interpreter)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
backends=(sequential chunked)
"$python" -c "import mamba_ssm" 2>/dev/null && backends+=(cuda)
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
"$python" -m mvc.cli bench ssm-parity --device cuda --out results/bench/ssm_parity_cuda.csv
"$python" -m mvc.cli bench ssm --device cuda --backends "${backends[@]}" \
  --out results/bench/ssm_cuda.csv "$@"
"$python" -m mvc.cli bench encoders --device cuda \
  --config default=configs/default.yaml paper=configs/paper.yaml \
  --lengths 64 128 256 512 1024 2048 4096 8192 --batches 1 8 --reps 3 --max-call-s 20 \
  --out results/bench/encoders_cuda.csv --summary-out results/bench/encoders_summary_cuda.csv
checkpoints=()
for system in mvc styletts2 hybrid; do
  [[ -f results/train/$system/checkpoint.pt ]] && \
    checkpoints+=("$system=results/train/$system/checkpoint.pt")
done
vocoder=()
[[ -f results/train/vocoder/checkpoint.pt ]] && vocoder=(--vocoder results/train/vocoder/checkpoint.pt)
if (( ${#checkpoints[@]} == 3 )); then
  "$python" -m mvc.cli bench synth --device cuda --checkpoint "${checkpoints[@]}" \
    "${vocoder[@]}" --utterances 8 --passages 1 4 16 all --lookaheads 0 8 32 --reps 3 \
    --out results/bench/synth_cuda.csv --longform-out results/bench/synth_longform_cuda.csv
else
  echo "bench synth skipped: results/train/{mvc,styletts2,hybrid}/checkpoint.pt not all present"
fi
