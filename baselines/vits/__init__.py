"""VITS (coqui-tts's `TTS.tts.models.vits.Vits`) behind the system interface.

- `config`: our `audio:` section, symbol table and the `systems: vits:` overrides -> VitsConfig.
- `tokens`: our phoneme token ids -> the ids of coqui's vocabulary built from our symbol table.
- `data`: the data stage's manifest + phoneme table -> coqui samples and padded batches.
- `train`: the seeded, resumable GAN loop around `Vits.train_step` and coqui's optimizers.
- `infer`: one timed inference (conditioning / flow / waveform decoder).
- `system`: `VitsSystem` (train, synthesize), registered as `vits`.
"""
