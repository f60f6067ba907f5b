"""Huge-page-backed tensors: right shape and contents, 2 MB-aligned and advised when the
system allows it (checked in /proc/self/smaps), plain tensors otherwise."""

import re

import pytest
import torch

from mvc.ssm import huge_pages
from mvc.ssm.huge_pages import HUGE_PAGE_BYTES, empty_huge, huge_pages_available


def smaps_entry(address: int) -> str:
    """The /proc/self/smaps block of the mapping holding `address`."""
    with open("/proc/self/smaps") as f:
        blocks = re.split(r"\n(?=[0-9a-f]+-[0-9a-f]+ )", f.read())
    for block in blocks:
        start, end = (int(v, 16) for v in block.split()[0].split("-"))
        if start <= address < end:
            return block
    raise AssertionError(f"no mapping holds {address:#x}")


def test_large_tensor_is_aligned_advised_and_usable():
    if not huge_pages_available():
        pytest.fail("this Linux has THP set to never; the test needs madvise or always")
    t = empty_huge(3, 1024, 512)  # 6 MB: three huge pages
    assert t.shape == (3, 1024, 512) and t.dtype == torch.float32 and t.is_contiguous()
    assert t.data_ptr() % HUGE_PAGE_BYTES == 0
    t.copy_(torch.arange(t.numel(), dtype=torch.float32).view_as(t))
    assert t[2, 1023, 511].item() == t.numel() - 1
    assert re.search(r"^VmFlags:.*\bhg\b", smaps_entry(t.data_ptr()), re.M)


def test_small_tensor_is_a_plain_one():
    t = empty_huge(4, 8)
    assert t.shape == (4, 8) and t.untyped_storage().nbytes() == 4 * 32


def test_without_thp_it_is_torch_empty(monkeypatch, tmp_path):
    mode = tmp_path / "enabled"
    mode.write_text("always madvise [never]\n")
    monkeypatch.setattr(huge_pages, "THP_MODE", mode)
    huge_pages._madvise.cache_clear()
    try:
        assert not huge_pages_available()
        t = empty_huge(3, 1024, 512)
        assert t.untyped_storage().nbytes() == t.numel() * 4
    finally:
        huge_pages._madvise.cache_clear()
