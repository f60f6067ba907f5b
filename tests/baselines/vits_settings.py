"""A tiny VITS for the tests (16 kHz, hop 128: the tiny training set's audio settings)."""

from __future__ import annotations

from typing import Any

TINY_VITS: dict[str, Any] = {
    "model_args": {
        "hidden_channels": 16, "hidden_channels_ffn_text_encoder": 32,
        "num_heads_text_encoder": 2, "num_layers_text_encoder": 1,
        "num_layers_posterior_encoder": 2, "num_layers_flow": 1,
        "upsample_initial_channel_decoder": 16, "upsample_rates_decoder": [8, 4, 4],
        "upsample_kernel_sizes_decoder": [16, 8, 8], "resblock_kernel_sizes_decoder": [3],
        "resblock_dilation_sizes_decoder": [[1, 3, 5]], "spec_segment_size": 4,
        "periods_multi_period_discriminator": [], "use_sdp": False,
    },
    "lr_gen": 2e-3,
    "lr_disc": 2e-3,
}
