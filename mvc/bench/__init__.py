"""Benchmarks behind `mvc bench ...`: speed, memory and accuracy figures, written as CSV to
results/bench/. Speed and memory targets live here, never in timed unit tests.

- `ssm`: the selective-scan backends against each other, self-attention and a BiLSTM.
- `ssm_parity`: every available scan backend against `sequential` on a device.
- `peak_memory`: peak memory of one call (fresh process on the CPU, allocator on CUDA).
- `streaming`: streaming Bi-Mamba with finite look-ahead against the offline pass.
- `metrics`: utterances per second of each evaluation metric.
"""
