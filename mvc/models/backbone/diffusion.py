"""Style diffusion: an EDM denoiser (Karras et al. 2022) over the style vector, conditioned
on the pooled text encoding, sampled with ADPM2 on a Karras sigma schedule.

- Preconditioning (EDM, Table 1): c_skip = sd^2 / (s^2 + sd^2), c_out = s sd / sqrt(s^2 +
  sd^2), c_in = 1 / sqrt(s^2 + sd^2), c_noise = ln(s) / 4; D(x; s) = c_skip x + c_out
  F(c_in x; c_noise). Training: ln s ~ N(p_mean, p_std^2), loss weight (s^2 + sd^2) / (s sd)^2.
- Karras schedule: s_i = (s_max^(1/rho) + i / (n - 1) (s_min^(1/rho) - s_max^(1/rho)))^rho,
  i = 0..n-1, then s_n = 0.
- ADPM2 (ancestral DPM-2, as audio-diffusion-pytorch's `ADPM2Sampler` that StyleTTS2 uses):
  from s to s', split s' into s_down = sqrt(s'^2 - s_up^2), s_up = sqrt(s'^2 (s^2 - s'^2) /
  s^2); a midpoint step to s_mid = (s + s_down) / 2, a DPM-2 step to s_down, then fresh
  noise of std s_up. The step to s' = 0 is the Euler step, which lands on D(x; s).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mvc.models.config import DiffusionConfig


def karras_sigmas(steps: int, sigma_min: float, sigma_max: float, rho: float) -> Tensor:
    """The Karras noise levels (steps + 1,), float64, decreasing from sigma_max to
    sigma_min, then 0."""
    if steps == 1:
        return torch.tensor([sigma_max, 0.0], dtype=torch.float64)
    ramp = torch.arange(steps, dtype=torch.float64) / (steps - 1)
    inv_rho = 1.0 / rho
    sigmas = (sigma_max ** inv_rho + ramp * (sigma_min ** inv_rho - sigma_max ** inv_rho)) ** rho
    return torch.cat([sigmas, sigmas.new_zeros(1)])


def edm_scalings(sigma: Tensor, sigma_data: float) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """EDM's c_skip, c_out, c_in and c_noise for noise levels sigma (any shape)."""
    total = sigma ** 2 + sigma_data ** 2
    return (sigma_data ** 2 / total, sigma * sigma_data / total.sqrt(), 1 / total.sqrt(),
            sigma.log() / 4)


def edm_loss_weight(sigma: Tensor, sigma_data: float) -> Tensor:
    """EDM's lambda(sigma) = (sigma^2 + sd^2) / (sigma sd)^2 (unit effective weight)."""
    return (sigma ** 2 + sigma_data ** 2) / (sigma * sigma_data) ** 2


def draw_noise(shape: tuple[int, ...] | torch.Size, generator: torch.Generator | None,
               like: Tensor) -> Tensor:
    """Standard normal noise drawn on the generator's device (so a CPU generator gives the
    same numbers for a model on any device), in like's dtype and on like's device."""
    device = generator.device if generator is not None else like.device
    return torch.randn(shape, generator=generator, device=device).to(like)


Denoise = Callable[[Tensor, Tensor], Tensor]  # (x (B, D), sigma (B,)) -> denoised (B, D)


def adpm2_sample(denoise: Denoise, noise: Tensor, sigmas: Tensor,
                 generator: torch.Generator | None = None) -> Tensor:
    """ADPM2 from x = sigmas[0] * noise down the schedule `sigmas` (ending in 0); the fresh
    noise of each ancestral step is drawn from `generator`."""
    x = noise * sigmas[0].item()
    batch = noise.shape[0]
    for sigma, sigma_next in pairwise(sigmas.tolist()):
        def at(level: float) -> Tensor:
            return torch.full((batch,), level, dtype=noise.dtype, device=noise.device)
        denoised = denoise(x, at(sigma))
        if sigma_next == 0:
            x = denoised
            continue
        sigma_up = (sigma_next ** 2 * (sigma ** 2 - sigma_next ** 2) / sigma ** 2) ** 0.5
        sigma_down = (sigma_next ** 2 - sigma_up ** 2) ** 0.5
        sigma_mid = (sigma + sigma_down) / 2
        x_mid = x + (x - denoised) / sigma * (sigma_mid - sigma)
        d_mid = (x_mid - denoise(x_mid, at(sigma_mid))) / sigma_mid
        x = x + d_mid * (sigma_down - sigma)
        x = x + draw_noise(x.shape, generator, x) * sigma_up
    return x


class StyleDenoiser(nn.Module):
    """F_theta(c_in x; c_noise, text): a residual MLP over [x; text] with a learned
    embedding of c_noise added to every block."""

    def __init__(self, dim: int, cond_dim: int, hidden: int, layers: int) -> None:
        super().__init__()
        self.input = nn.Linear(dim + cond_dim, hidden)
        self.noise = nn.Sequential(nn.Linear(1, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.blocks = nn.ModuleList(nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, hidden),
                                                  nn.SiLU(), nn.Linear(hidden, hidden))
                                    for _ in range(layers))
        self.out = nn.Linear(hidden, dim)

    def forward(self, x: Tensor, c_noise: Tensor, cond: Tensor) -> Tensor:
        h = self.input(torch.cat([x, cond], dim=-1))
        noise = self.noise(c_noise.unsqueeze(-1))
        for block in self.blocks:
            h = h + block(h + noise)
        return self.out(F.silu(h))


class StyleDiffusion(nn.Module):
    """The EDM-preconditioned denoiser of (B, dim) styles given a (B, cond_dim) text vector.

    `sigma_data` is a buffer: fixed, or with `sigma_data_ema` an exponential moving average
    of the training batches' style std (StyleTTS2 re-estimates it from each batch).
    """

    def __init__(self, dim: int, cond_dim: int, config: DiffusionConfig) -> None:
        super().__init__()
        self.config = config
        self.dim = dim
        self.net = StyleDenoiser(dim, cond_dim, config.hidden, config.layers)
        self.register_buffer("sigma_data", torch.tensor(float(config.sigma_data)))

    def denoise(self, x: Tensor, sigma: Tensor, cond: Tensor) -> Tensor:
        """D(x; sigma) with sigma (B,)."""
        c_skip, c_out, c_in, c_noise = edm_scalings(sigma.unsqueeze(-1),
                                                    float(self.sigma_data))
        return c_skip * x + c_out * self.net(c_in * x, c_noise.squeeze(-1), cond)

    def loss(self, style: Tensor, cond: Tensor) -> Tensor:
        """The EDM training loss on clean styles (B, dim), noise from the global RNG."""
        if self.training and self.config.sigma_data_ema is not None:
            with torch.no_grad():
                momentum = self.config.sigma_data_ema
                self.sigma_data.mul_(momentum).add_((1 - momentum) * style.std().clamp(min=1e-3))
        sigma = torch.exp(self.config.p_mean + self.config.p_std * torch.randn(
            style.shape[0], device=style.device, dtype=style.dtype))
        noisy = style + sigma.unsqueeze(-1) * torch.randn_like(style)
        error = (self.denoise(noisy, sigma, cond) - style) ** 2
        return (edm_loss_weight(sigma, float(self.sigma_data)) * error.mean(-1)).mean()

    def sample(self, cond: Tensor, generator: torch.Generator) -> Tensor:
        """Styles (B, dim) by ADPM2 on the configured Karras schedule."""
        c = self.config
        sigmas = karras_sigmas(c.steps, c.sigma_min, c.sigma_max, c.rho)
        noise = draw_noise((cond.shape[0], self.dim), generator, cond)
        return adpm2_sample(lambda x, sigma: self.denoise(x, sigma, cond), noise, sigmas,
                            generator)
