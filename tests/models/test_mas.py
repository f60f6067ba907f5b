"""Monotonic alignment search against a brute force over every monotonic path."""

import itertools

import pytest
import torch

from mvc.models.mas import monotonic_durations


def brute_force_durations(value: torch.Tensor) -> list[int]:
    """Try every split of F frames into T non-empty runs; keep the highest summed value."""
    n_text, n_frames = value.shape
    best_score, best = None, None
    for cuts in itertools.combinations(range(1, n_frames), n_text - 1):
        bounds = (0, *cuts, n_frames)
        score = sum(value[t, bounds[t]:bounds[t + 1]].sum().item() for t in range(n_text))
        if best_score is None or score > best_score:
            best_score, best = score, [bounds[t + 1] - bounds[t] for t in range(n_text)]
    return best


@pytest.mark.parametrize(("n_text", "n_frames"), [(1, 1), (1, 5), (3, 3), (2, 7), (4, 9),
                                                  (5, 10)])
def test_equals_brute_force(n_text, n_frames):
    gen = torch.Generator().manual_seed(n_text * 100 + n_frames)
    for _ in range(4):
        value = torch.randn(1, n_text, n_frames, generator=gen)
        durations = monotonic_durations(value, torch.tensor([n_text]), torch.tensor([n_frames]))
        assert durations[0].tolist() == brute_force_durations(value[0])


def test_padded_batch_uses_each_utterance_own_region():
    gen = torch.Generator().manual_seed(3)
    value = torch.randn(2, 4, 9, generator=gen)
    garbage = value.clone()
    garbage[1, 3:] = 1e6  # padded text positions
    garbage[1, :, 7:] = 1e6  # padded frames
    durations = monotonic_durations(garbage, torch.tensor([4, 3]), torch.tensor([9, 7]))
    assert durations[0].tolist() == brute_force_durations(value[0])
    assert durations[1].tolist() == [*brute_force_durations(value[1, :3, :7]), 0]
    assert durations.sum(1).tolist() == [9, 7]


def test_more_text_than_frames_is_refused():
    with pytest.raises(ValueError, match="3 text positions cannot align to 2 frames"):
        monotonic_durations(torch.zeros(1, 3, 2), torch.tensor([3]), torch.tensor([2]))
