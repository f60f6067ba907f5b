"""State-space building blocks: the selective scan, the Mamba block, Bi-Mamba and streaming.

- `scan`: `selective_scan`, one function over several backends (mamba_ssm semantics).
- `conv`: the depthwise causal convolution of the Mamba block, with a carried state.
- `mamba`: `Mamba`, parameter-compatible with mamba_ssm's block, plus step/chunk streaming.
- `bimamba`: `BiMamba`, forward and time-reversed Mamba with gated fusion, padding-aware.
- `streaming`: chunked Bi-Mamba inference with finite look-ahead, and its error vs offline.
"""
