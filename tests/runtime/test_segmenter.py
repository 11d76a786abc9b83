"""The segmenter never speaks a word twice and never skips one: whatever the partials, the segments of an
utterance put together are its final transcript."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from runner.frames import Transcript
from runner.runtime.segmenter import Segment, Segmenter, SegmenterSettings

WORDS = st.sampled_from(["the", "speaker", "said", "that", "we", "would", "go", "home,", "now.", "and", "then",
                         "Later;", "again?", "quickly", "ok:"])


def run(segmenter: Segmenter, transcripts: list[Transcript]) -> list[Segment]:
    out: list[Segment] = []
    for t in transcripts:
        out += segmenter.feed(t)
    return out


@st.composite
def utterance(draw: st.DrawFn, flags: bool) -> tuple[list[str], list[Transcript]]:
    """A final, and partials before it. Each partial is a prefix of the final (recognizers also take words back:
    the prefixes need not grow) followed by a tail of words still being revised, which is unique to that partial
    (so no two partials agree on it). With ``flags`` each partial marks stable a prefix of its words that is the
    final's (the engine's promise); without, the segmenter has only agreement to go on."""
    final = draw(st.lists(WORDS, min_size=1, max_size=30))
    partials = []
    for i in range(draw(st.integers(0, 25))):
        heard = draw(st.integers(0, len(final)))
        tail = [f"x{i}y{j}" for j in range(draw(st.integers(0, 3)))]
        stable = draw(st.integers(0, heard)) if flags else None
        words = final[:heard] + tail
        partials.append(Transcript(0, " ".join(words), False, 0.0, 0.3 * (i + 1), stable=stable))
    end = 0.3 * (len(partials) + 1)
    return final, [*partials, Transcript(0, " ".join(final), True, 0.0, end)]


@settings(max_examples=400, deadline=None)
@given(data=st.one_of(utterance(flags=True), utterance(flags=False)),
       min_words=st.integers(1, 6), pause=st.sampled_from([0.0, 0.3, 0.6]), agreement=st.integers(2, 4),
       max_words=st.integers(2, 12))
def test_segments_cover_the_final_once(data: tuple[list[str], list[Transcript]], min_words: int, pause: float,
                                       agreement: int, max_words: int) -> None:
    final, transcripts = data
    segments = run(Segmenter(SegmenterSettings(min_words, pause, agreement, max_words)), transcripts)
    spoken = [w for s in segments for w in s.text.split()]
    assert spoken == final  # nothing twice, nothing skipped, in order
    assert [s.first_word for s in segments] == [sum(s.words for s in segments[:i]) for i in range(len(segments))]
    assert all(s.text for s in segments) and not any(s.last for s in segments[:-1])  # the final's rest comes last
    assert [s.part for s in segments] == list(range(1, len(segments) + 1))


def test_a_clause_of_stable_words_is_cut_before_the_final() -> None:
    segmenter = Segmenter()
    assert segmenter.feed(Transcript(0, "when we arrived at", False, 0.0, 1.0, stable=2)) == []
    first = segmenter.feed(Transcript(0, "when we arrived at home, the door was", False, 0.0, 2.0, stable=6))
    assert [s.text for s in first] == ["when we arrived at home,"] and not first[0].last
    rest = segmenter.feed(Transcript(0, "when we arrived at home, the door was open.", True, 0.0, 2.5))
    assert [s.text for s in rest] == ["the door was open."] and rest[0].last
    assert first[0].end <= rest[0].start


def test_without_flags_words_are_stable_once_successive_partials_agree() -> None:
    segmenter = Segmenter(SegmenterSettings(min_words=5, agreement=2, max_words=10))
    assert segmenter.feed(Transcript(0, "I scream, you scream", False, 0.0, 1.0)) == []  # nothing to agree with
    assert segmenter.feed(Transcript(0, "ice cream, you", False, 0.0, 1.2)) == []  # revised: no agreement
    cut = segmenter.feed(Transcript(0, "ice cream, we all scream", False, 0.0, 1.4))
    assert cut == []  # "ice cream," agreed, but two words are not a clause worth translating alone
    # "Ice cream, we all scream" agreed (case and punctuation aside): the clause ends with this partial's comma
    assert segmenter.feed(Transcript(0, "Ice cream, we all scream for", False, 0.0, 1.6)) == []
    cut = segmenter.feed(Transcript(0, "ice cream, we all scream, for ice", False, 0.0, 1.8))
    assert [s.text for s in cut] == ["ice cream, we all scream,"]
    assert [s.text for s in segmenter.feed(Transcript(0, "ice cream, we all scream, for ice cream.", True, 0.0,
                                                      2.0))] == ["for ice cream."]


def test_without_punctuation_a_pause_after_enough_stable_words_cuts() -> None:
    segmenter = Segmenter(SegmenterSettings(min_words=4, pause=0.5, max_words=20))
    words = "so this is what we found in the data"
    assert segmenter.feed(Transcript(0, words, False, 0.0, 3.0, stable=7)) == []  # still talking
    assert segmenter.feed(Transcript(0, words, False, 0.0, 3.3, stable=7)) == []  # 0.3 s without a new word
    cut = segmenter.feed(Transcript(0, words, False, 0.0, 3.6, stable=7))
    assert [s.text for s in cut] == ["so this is what we found in"]
    assert [s.text for s in segmenter.feed(Transcript(0, words, True, 0.0, 3.0))] == ["the data"]


def test_a_new_utterance_starts_from_its_first_word() -> None:
    segmenter = Segmenter()
    assert [s.text for s in segmenter.feed(Transcript(0, "one two three,", False, 0.0, 1.0, stable=3))] \
        == ["one two three,"]
    # the first utterance's final never came (a stream cut it): the next one is whole all the same
    assert [s.text for s in segmenter.feed(Transcript(1, "four five six", True, 2.0, 3.0))] == ["four five six"]
    assert segmenter.feed(Transcript(2, "one two three,", True, 4.0, 5.0))[0].text == "one two three,"


def test_a_long_clause_is_cut_after_max_words() -> None:
    segmenter = Segmenter(SegmenterSettings(max_words=4))
    cut = segmenter.feed(Transcript(0, "one two three four five six", False, 0.0, 2.0, stable=4))
    assert [s.text for s in cut] == ["one two three four"]
