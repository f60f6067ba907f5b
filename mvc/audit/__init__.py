"""Reproducibility audit (`mvc audit`, the `audit` rule): what produced `results/` and
whether a sample of its jobs reproduces.

- `environment`: Python, packages, torch/CUDA/cuDNN, CPU/GPU, OS.
- `provenance`: git commit and dirty state, config hashes, the SHA-256 of every output.
- `config`: the `audit:` config section as a typed dataclass.
- `jobs`: the DAG's jobs (from a Snakemake dry run) and the seeded sample to rerun.
- `rerun`: a sampled rule's jobs rerun in a scratch copy of the workflow.
- `compare`: an original output against its rerun, within the stated tolerances.
- `report`: the CSV and Markdown of what was compared and what differs.
- `run`: the whole audit, in that order.
"""
