"""Karras schedule and EDM preconditioning against their closed forms; ADPM2 on cases
whose answer is known."""

import math

import pytest
import torch

from mvc.models.backbone.diffusion import (
    adpm2_sample,
    edm_loss_weight,
    edm_scalings,
    karras_sigmas,
)


def test_karras_schedule_matches_the_closed_form():
    steps, smin, smax, rho = 5, 1e-4, 3.0, 9.0
    sigmas = karras_sigmas(steps, smin, smax, rho)
    expected = [(smax ** (1 / rho) + i / (steps - 1) * (smin ** (1 / rho) - smax ** (1 / rho)))
                ** rho for i in range(steps)] + [0.0]
    assert sigmas.tolist() == pytest.approx(expected, rel=1e-12)
    assert sigmas[0] == pytest.approx(smax) and sigmas[-2] == pytest.approx(smin)
    assert (sigmas[:-1].diff() < 0).all()


def test_karras_schedule_with_rho_one_is_linear_and_one_step_is_sigma_max():
    assert karras_sigmas(3, 1.0, 3.0, 1.0).tolist() == pytest.approx([3.0, 2.0, 1.0, 0.0])
    assert karras_sigmas(1, 1e-4, 3.0, 9.0).tolist() == [3.0, 0.0]


def test_edm_scalings_match_the_closed_forms():
    sd = 0.5
    sigma = torch.tensor([0.1, 0.5, 2.0], dtype=torch.float64)
    c_skip, c_out, c_in, c_noise = edm_scalings(sigma, sd)
    for i, s in enumerate(sigma.tolist()):
        assert c_skip[i].item() == pytest.approx(sd ** 2 / (s ** 2 + sd ** 2))
        assert c_out[i].item() == pytest.approx(s * sd / math.sqrt(s ** 2 + sd ** 2))
        assert c_in[i].item() == pytest.approx(1 / math.sqrt(s ** 2 + sd ** 2))
        assert c_noise[i].item() == pytest.approx(math.log(s) / 4)
        assert edm_loss_weight(sigma, sd)[i].item() == pytest.approx(
            (s ** 2 + sd ** 2) / (s * sd) ** 2)
    # At sigma = sd the skip and output scalings are equal (1/2 and sd / sqrt(2)).
    assert c_skip[1].item() == pytest.approx(0.5)
    assert c_out[1].item() == pytest.approx(sd / math.sqrt(2))


def gaussian_denoiser(mean: float, std: float):
    """The exact denoiser E[x0 | x0 + sigma n] for x0 ~ N(mean, std^2)."""
    def denoise(x, sigma):
        shrink = (std ** 2 / (std ** 2 + sigma ** 2)).unsqueeze(-1)
        return mean + shrink * (x - mean)
    return denoise


def test_adpm2_with_an_exact_denoiser_samples_the_gaussian():
    # With enough steps the samples have the data's mean and std; with few, the ancestral
    # sampler's discretization shrinks the std (0.335 at 5 steps here), less as steps grow.
    mean, std = 1.5, 0.4
    stds = []
    for steps in (5, 50):
        gen = torch.Generator().manual_seed(0)
        noise = torch.randn(40000, 1, generator=gen, dtype=torch.float64)
        x = adpm2_sample(gaussian_denoiser(mean, std), noise, karras_sigmas(steps, 1e-3, 20.0, 7.0),
                         gen)
        stds.append(x.std().item())
    assert x.mean().item() == pytest.approx(mean, abs=0.01)
    assert stds[1] == pytest.approx(std, rel=0.02)
    assert stds[0] < stds[1]


def test_adpm2_with_a_point_mass_lands_on_it_and_follows_the_generator():
    denoise = gaussian_denoiser(-0.7, 0.0)
    sigmas = karras_sigmas(5, 1e-4, 3.0, 9.0)
    noise = torch.randn(3, 4, dtype=torch.float64)
    x = adpm2_sample(denoise, noise, sigmas, torch.Generator().manual_seed(1))
    assert torch.allclose(x, torch.full_like(x, -0.7), atol=1e-12)
    spread = gaussian_denoiser(0.0, 1.0)
    a = adpm2_sample(spread, noise, sigmas, torch.Generator().manual_seed(2))
    b = adpm2_sample(spread, noise, sigmas, torch.Generator().manual_seed(2))
    c = adpm2_sample(spread, noise, sigmas, torch.Generator().manual_seed(3))
    assert torch.equal(a, b) and not torch.equal(a, c)
