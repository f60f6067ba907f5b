"""Training: the data stage's files as padded batches, and the resumable two-stage loop.

- `config`: the `training:` section (`TrainingConfig`, `StageConfig`).
- `dataset`: manifest + phoneme table + feature index + cache -> `TrainingSet` -> `Batch`.
- `sampler`: seeded, length-bucketed batches per (stage, epoch).
- `loop`: `train_stages`, AdamW per stage, gradient clipping, checkpoints, loss log.
- `checkpoint`: resumable training states and the inference checkpoint.
- `distributed`: data parallelism under torchrun (gradient all-reduce).
- `vocoder_stage`: the shared HiFi-GAN/iSTFTNet vocoder's training (`vocoder_config`,
  `vocoder_data` random segments, `vocoder_losses`, `vocoder_loop` with the same checkpoints).
"""
