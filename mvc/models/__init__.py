"""The TTS models: MVC's Mamba conditioning path, the alignment teacher and the shared
StyleTTS2-style backbone (style encoders, style diffusion, decoder, vocoders).

- `batch`: `Batch`, the padded training batch every model consumes.
- `config`: `ModelConfig`, the `model:` config section as typed dataclasses.
- `tts`: `TTSModel` (aligner + conditioning path + backbone) and `build_model`.
- `inspect`: `forbidden_modules`, the no-attention/no-recurrence check.
"""
