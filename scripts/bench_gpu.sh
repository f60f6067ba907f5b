#!/usr/bin/env bash
# The SSM checks and benchmarks on a CUDA machine in one command (about 10 minutes):
# scan-backend parity on the GPU (and mamba_ssm state-dict loading where it imports), then
# `mvc bench ssm` on the GPU with mamba_ssm's `cuda` kernel when installed and our
# `chunked` scan, against attention and a BiLSTM of the same width. Writes results/bench/.
# Usage: bash scripts/bench_gpu.sh [--lengths ...]   (PYTHON=... to pick the interpreter)
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
