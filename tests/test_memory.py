import numpy as np
import torch

from mvc.memory import MIB, peak_bytes, reset_peak, resident_bytes

CPU = torch.device("cpu")


def test_the_cpu_peak_covers_a_fresh_allocation_and_resets_below_it():
    reset_peak(CPU)
    before = resident_bytes()
    block = np.ones(300 * MIB // 8)  # 300 MiB, every page touched
    assert peak_bytes(CPU) - before >= 290 * MIB
    del block
    reset_peak(CPU)
    assert peak_bytes(CPU) < before + 100 * MIB
    assert peak_bytes(CPU) >= resident_bytes() - 10 * MIB
