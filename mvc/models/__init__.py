"""The TTS models: MVC's Mamba conditioning path, the alignment teacher and the shared
StyleTTS2-style backbone (style encoders, style diffusion, decoder, vocoders).

- `batch`: `Batch`, the padded training batch every model consumes.
- `config`: `ModelConfig`, the `model:` config section as typed dataclasses.
- `conditioning`: the swappable conditioning path; MVC's is `text_encoder`, `temporal`,
  `expressive` (on `ssm_layers` and `layers`).
- `aligner`, `mas`: the training-only alignment teacher and monotonic alignment search.
- `backbone`: style encoders, style diffusion, decoder; `vocoder`: Griffin-Lim, iSTFTNet.
- `tts`: `TTSModel` (aligner + conditioning path + backbone) and `build_model`.
- `inspect`: `forbidden_modules`, the no-attention/no-recurrence check.
See docs/models.md.
"""
