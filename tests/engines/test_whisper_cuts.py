"""Where an over-long utterance is cut (runner.engines.local.whisper_cuts): pure functions, no model."""

from __future__ import annotations

from runner.engines.local.whisper_cuts import OVERLAP, after, between_words, pause
from runner.engines.local.whisper_decode import SAMPLE_RATE, Decoded, Word
from runner.engines.local.whisper_vad import CHUNK


def chunks(*probabilities: float, begin: int = 0) -> list[tuple[int, float]]:
    return [(begin + i * CHUNK, p) for i, p in enumerate(probabilities)]


def words(*timed: tuple[str, float, float]) -> Decoded:
    raw = [(" " if not text.startswith("-") else "") + text for text, _, _ in timed]
    return Decoded("".join(raw).strip(), None, tuple(Word(t.lstrip("-"), a, b, r)
                                                    for (t, a, b), r in zip(timed, raw, strict=True)))


def test_a_pause_is_a_tenth_of_a_second_of_no_speech_not_a_stop_consonant():
    speech = [0.9] * 10
    # One or two quiet chunks (the closure of a 't') are inside a word; three are a breath.
    assert pause(chunks(*speech, 0.1, 0.2, *speech), 0, 0.5) is None
    at = pause(chunks(*speech, 0.1, *speech, 0.1, 0.1, 0.1, *speech), 0, 0.5)
    assert at == 21 * CHUNK + 3 * CHUNK // 2  # the middle of the three


def test_the_longest_pause_wins_and_only_after_the_given_sample():
    probabilities = chunks(*[0.9] * 5, *[0.1] * 6, *[0.9] * 5, *[0.1] * 4, *[0.9] * 5)
    assert pause(probabilities, 0, 0.5) == 5 * CHUNK + 3 * CHUNK
    assert pause(probabilities, 12 * CHUNK, 0.5) == 16 * CHUNK + 2 * CHUNK  # the first is before the half


def test_a_cut_between_words_keeps_the_words_before_it_and_is_at_the_quietest_chunk_of_the_gap():
    decoded = words(("rather", 0.2, 0.6), ("selfish", 0.62, 1.1), ("is", 1.12, 1.3), ("to", 1.3, 1.5))
    length = int(1.6 * SAMPLE_RATE)  # "is" and "to" end within TAIL of the end: they may be cut short
    probabilities = [(s, 0.2 if abs(s - int(1.1 * SAMPLE_RATE)) < CHUNK else 0.9) for s in range(0, length, CHUNK)]
    kept, at = between_words(decoded, 0, length, probabilities)
    assert kept.text == "rather selfish" and [w.text for w in kept.words] == ["rather", "selfish"]
    quiet = next(s for s, p in probabilities if p < 0.5)
    assert at == quiet + CHUNK // 2


def test_a_hyphenated_word_is_never_cut_between_its_halves():
    decoded = words(("ill", 0.2, 0.4), ("-disposed", 0.4, 0.9), ("young", 0.9, 1.2), ("man", 1.2, 1.5))
    kept, at = between_words(decoded, 0, int(1.95 * SAMPLE_RATE), [])
    assert kept.text == "ill-disposed young" and at == int(1.2 * SAMPLE_RATE)


def test_with_no_two_words_to_cut_between_the_cut_is_at_the_end():
    decoded = words(("selfish", 0.2, 1.4))
    kept, at = between_words(decoded, 100, 24000, [])
    assert kept == decoded and at == 100 + 24000


def test_after_a_cut_the_words_already_said_are_dropped_and_a_word_across_it_is_kept():
    cut = OVERLAP  # the audio begins OVERLAP before the cut
    # "be" ends before the cut: said. "selfish" is repeated across it: said. "is" straddles it: kept.
    decoded = words(("be", 0.1, 0.3), ("selfish", 0.3, 0.55), ("is", 0.45, 0.7), ("to", 0.7, 0.9))
    assert after(decoded, cut, ("rather", "selfish")).text == "is to"
    assert after(decoded, cut, ("rather", "self")).text == "selfish is to"  # not a repeat: heard twice, not lost
    assert after(Decoded("no timings", None), cut, ("x",)).text == "no timings"
