"""espeak-ng as a voice source: deterministic audio, and clear errors for bad voices."""

import numpy as np
import pytest

from mvc.data.espeak import Voice, synthesize, variants
from mvc.errors import InputError


def test_same_text_and_voice_give_identical_samples():
    a, sr = synthesize("The same words, twice.", Voice("en-us+f2"))
    b, _ = synthesize("The same words, twice.", Voice("en-us+f2"))
    assert sr == 22050
    np.testing.assert_array_equal(a, b)


def test_pitch_and_rate_change_the_audio():
    base, _ = synthesize("A short sentence to speak.", Voice("en-us+f2"))
    slow, _ = synthesize("A short sentence to speak.", Voice("en-us+f2", words_per_minute=100))
    assert len(slow) > 1.3 * len(base)
    high, _ = synthesize("A short sentence to speak.", Voice("en-us+f2", pitch=90))
    assert not np.array_equal(high[: len(base)], base[: len(high)])


def test_unknown_voice_and_variant_and_empty_text():
    with pytest.raises(InputError, match="voice xx-yy: espeak-ng failed"):
        synthesize("hello", Voice("xx-yy"))
    assert "f2" in variants() and "klatt" in variants()
    with pytest.raises(InputError, match="espeak-ng has no variant 'zz9'"):
        synthesize("hello", Voice("en-us+zz9"))
    with pytest.raises(InputError, match="empty text"):
        synthesize("  ", Voice("en-us"))
