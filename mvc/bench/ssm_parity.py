"""Backend parity on a device: every available scan backend against `sequential`, there.

The unit tests check parity on the CPU; this runs the same comparison on whatever device is
given (a CUDA machine: `cuda` = mamba_ssm's kernel, `chunked` on the GPU), on outputs and
gradients, and, where mamba_ssm imports, loads our Mamba block's state dict into mamba_ssm's
`Mamba` and compares the two blocks' outputs. Results go to a CSV, one row per check.
"""

from __future__ import annotations

from pathlib import Path

import torch

from mvc.atomic import write_csv_atomic
from mvc.ssm.inputs import scan_inputs
from mvc.ssm.mamba import Mamba
from mvc.ssm.scan import available_backends, selective_scan

COLUMNS = ("check", "backend", "device", "length", "max_abs_diff_y", "max_abs_diff_grad",
           "tolerance", "passed", "note")


def _run(backend: str, inputs: dict[str, torch.Tensor]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    fresh = {k: v.detach().clone().requires_grad_(True) for k, v in inputs.items()}
    y = selective_scan(**fresh, delta_softplus=True, backend=backend)
    y.square().mean().backward()
    return y.detach(), [fresh[k].grad for k in sorted(fresh)]


def scan_parity(device: torch.device, lengths: tuple[int, ...], tolerance: float,
                d_inner: int = 64, d_state: int = 16, batch: int = 2) -> list[dict]:
    """Each available backend vs `sequential` on `device`, outputs and gradients."""
    rows = []
    for length in lengths:
        inputs = {k: v.to(device).requires_grad_(True) for k, v in
                  scan_inputs(batch, d_inner, d_state, length, seed=length).items()}
        y_ref, g_ref = _run("sequential", inputs)
        for backend in available_backends(device):
            if backend == "sequential":
                continue
            y, grads = _run(backend, inputs)
            dy = (y - y_ref).abs().max().item()
            dg = max(((a - b).abs().max() / b.abs().max().clamp_min(1e-12)).item()
                     for a, b in zip(grads, g_ref, strict=True))
            rows.append({"check": "scan", "backend": backend, "device": str(device),
                         "length": length, "max_abs_diff_y": dy, "max_abs_diff_grad": dg,
                         "tolerance": tolerance, "passed": dy <= tolerance and dg <= tolerance,
                         "note": "grad diff relative to the reference gradient's max"})
    return rows


def mamba_ssm_state_dict(device: torch.device, length: int, tolerance: float) -> list[dict]:
    """Our Mamba's state dict loaded into mamba_ssm's Mamba; the outputs compared."""
    row = {"check": "mamba_ssm_state_dict", "backend": "", "device": str(device),
           "length": length, "max_abs_diff_grad": "", "tolerance": tolerance}
    try:
        from mamba_ssm.modules.mamba_simple import Mamba as ReferenceMamba
    except ImportError as err:
        return [{**row, "max_abs_diff_y": "", "passed": "", "note": f"mamba_ssm absent: {err}"}]
    torch.manual_seed(0)
    ours = Mamba(64).to(device)
    theirs = ReferenceMamba(64).to(device)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(2, length, 64, device=device)
    with torch.no_grad():
        diff = (ours(x) - theirs(x)).abs().max().item()
    return [{**row, "max_abs_diff_y": diff, "passed": diff <= tolerance,
             "note": "strict load of our state dict into mamba_ssm's Mamba"}]


def write_parity(rows: list[dict], out: Path) -> None:
    """The parity rows as CSV, atomically."""
    write_csv_atomic(out, COLUMNS, rows)
