"""The vocoder's losses against hand computations on small tensors, and the mel L1 against
the feature code's own (NumPy) log-mel."""

import numpy as np
import pytest
import torch

from mvc.features.mel import MelConfig, log_mel
from mvc.train.vocoder_losses import (
    MelLoss,
    discriminator_loss,
    feature_matching_loss,
    generator_adversarial_loss,
)


def t(*values):
    return torch.tensor(values, dtype=torch.float32)


# two sub-discriminators: (logits, feature maps)
REAL = [(t([0.5, 1.0]), [t([1.0, 2.0]), t([[0.0, 0.0], [0.0, 0.0]])]),
        (t([2.0]), [t([3.0])])]
FAKE = [(t([0.0, 0.5]), [t([1.0, 4.0]), t([[1.0, 1.0], [1.0, 1.0]])]),
        (t([-1.0]), [t([0.0])])]


def test_discriminator_loss_by_hand():
    # mean((1 - r)^2) + mean(f^2): (0.25 + 0) / 2 + (0 + 0.25) / 2 = 0.25; 1 + 1 = 2
    assert float(discriminator_loss(REAL, FAKE)) == pytest.approx(2.25)


def test_generator_adversarial_loss_by_hand():
    # mean((1 - f)^2): (1 + 0.25) / 2 = 0.625; (1 + 1)^2 = 4
    assert float(generator_adversarial_loss(FAKE)) == pytest.approx(4.625)


def test_feature_matching_by_hand_and_real_maps_get_no_gradient():
    real = [(logits, [m.clone().requires_grad_(True) for m in maps]) for logits, maps in REAL]
    # |[1, 2] - [1, 4]| -> 1; |0 - 1| -> 1; |3 - 0| -> 3
    loss = feature_matching_loss(real, FAKE)
    assert float(loss) == pytest.approx(5.0)
    assert not loss.requires_grad  # only the fake maps would carry the generator's gradient


def test_mel_loss_is_the_l1_of_the_features_log_mels():
    audio = MelConfig(sample_rate=16000, n_fft=512, win_length=512, hop_length=128, n_mels=20)
    rng = np.random.default_rng(0)
    a = (0.1 * rng.standard_normal((2, 2048))).astype(np.float32)
    b = (0.1 * rng.standard_normal((2, 2048))).astype(np.float32)
    expected = np.mean([np.abs(log_mel(x, audio) - log_mel(y, audio)).mean()
                        for x, y in zip(a, b, strict=True)])
    fake = torch.from_numpy(a).requires_grad_(True)
    loss = MelLoss(audio)(fake, torch.from_numpy(b))
    assert float(loss.detach()) == pytest.approx(expected, rel=1e-5)
    loss.backward()
    assert fake.grad is not None and float(fake.grad.abs().sum()) > 0
    assert float(MelLoss(audio)(torch.from_numpy(b), torch.from_numpy(b))) == 0.0
