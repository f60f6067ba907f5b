"""HiFi-GAN's discriminators: logits and feature-map shapes follow the conv arithmetic for
any input length; the first scale is spectrally normalized, the rest weight-normalized."""

import math

import pytest
import torch

from mvc.errors import InputError
from mvc.models.discriminators import (
    SCALE_KERNELS,
    SCALE_STRIDES,
    DiscriminatorConfig,
    Discriminators,
)

TINY = DiscriminatorConfig(periods=[2, 3, 5], period_channels=[4, 8, 8], scales=3,
                           scale_channels=[4, 4, 8, 8, 8, 8, 8],
                           scale_groups=[1, 2, 2, 2, 2, 2, 1])


def conv_length(length: int, kernel: int, stride: int) -> int:
    """Output length of a conv with padding (kernel - 1) // 2 (odd kernels)."""
    return (length + 2 * ((kernel - 1) // 2) - kernel) // stride + 1


def period_shapes(length: int, period: int, channels: list[int]) -> list[tuple[int, ...]]:
    height = math.ceil(length / period)
    shapes = []
    for k, c in enumerate(channels):
        height = conv_length(height, 5, 3 if k < len(channels) - 1 else 1)
        shapes.append((c, height, period))
    return [*shapes, (1, height, period)]


def scale_shapes(length: int, channels: list[int]) -> list[tuple[int, ...]]:
    shapes = []
    for c, k, s in zip(channels, SCALE_KERNELS, SCALE_STRIDES, strict=True):
        length = conv_length(length, k, s)
        shapes.append((c, length))
    return [*shapes, (1, length)]


@pytest.mark.parametrize("length", [1000, 1024, 777])
def test_logits_and_feature_maps_have_the_conv_arithmetics_shapes(length):
    torch.manual_seed(0)
    outputs = Discriminators(TINY)(torch.randn(2, 1, length))
    assert len(outputs) == len(TINY.periods) + TINY.scales
    for (logits, maps), period in zip(outputs, TINY.periods, strict=False):
        expected = period_shapes(length, period, TINY.period_channels)
        assert [tuple(m.shape[1:]) for m in maps] == expected
        assert logits.shape == (2, expected[-1][1] * period)
    scale_length = length
    for k, (logits, maps) in enumerate(outputs[len(TINY.periods):]):
        if k:
            scale_length = scale_length // 2 + 1  # AvgPool1d(4, 2, padding=2)
        expected = scale_shapes(scale_length, TINY.scale_channels)
        assert [tuple(m.shape[1:]) for m in maps] == expected
        assert logits.shape == (2, expected[-1][1])


def test_first_scale_is_spectral_normed_the_others_weight_normed():
    discriminators = Discriminators(TINY)

    def norm_of(conv):
        return type(conv.parametrizations.weight[0]).__name__

    assert {norm_of(c) for c in discriminators.scales[0].convs} == {"_SpectralNorm"}
    for scale in discriminators.scales[1:]:
        assert {norm_of(c) for c in scale.convs} == {"_WeightNorm"}
    for period in discriminators.periods:
        assert {norm_of(c) for c in period.convs} == {"_WeightNorm"}


def test_hifigan_widths_give_hifigans_parameter_count():
    hifigan = DiscriminatorConfig([2, 3, 5, 7, 11], [32, 128, 512, 1024, 1024], 3,
                                  [128, 128, 256, 512, 1024, 1024, 1024],
                                  [1, 4, 16, 16, 16, 16, 1])
    params = sum(p.numel() for p in Discriminators(hifigan).parameters())
    assert params == pytest.approx(70.7e6, rel=0.01)  # MPD + MSD of HiFi-GAN V1


def test_groups_that_do_not_divide_the_channels_are_named():
    with pytest.raises(InputError, match=r"scale_groups\[2\].*4 groups for 4 -> 6 channels"):
        DiscriminatorConfig([2], [4, 4], 1, [4, 4, 6, 8, 8, 8, 8], [1, 1, 4, 1, 1, 1, 1])
