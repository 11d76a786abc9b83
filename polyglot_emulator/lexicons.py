"""What the emulated Polly does with the lexicons a request names (SynthesizeSpeech, tasks, streams), those of
the language spoken only: a lexeme's alias is spoken instead of its grapheme, and its phoneme (IPA) is what the
viseme speech marks of that word come from. Other words' visemes come from espeak-ng's IPA for them, in the
voice's language."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from runner.glossary.terms import Fixed, split

PLS = "{http://www.w3.org/2005/01/pronunciation-lexicon}"
# Polly's visemes (its developer guide, "Visemes and Amazon Polly"), by the IPA that shapes the mouth alike.
_VISEMES = [("tʃ", "S"), ("dʒ", "S"), ("eɪ", "e"), ("oʊ", "o"), ("əʊ", "o"), ("aɪ", "a"), ("aʊ", "a"), ("ɔɪ", "O")]
_VISEME = {**dict.fromkeys("pbm", "p"), **dict.fromkeys("fv", "f"), **dict.fromkeys("θð", "T"),
           **dict.fromkeys("tdnlɾ", "t"), **dict.fromkeys("ʃʒ", "S"), **dict.fromkeys("sz", "s"),
           **dict.fromkeys("kgŋxɡ", "k"), **dict.fromkeys("rɹʁ", "r"), **dict.fromkeys("iɪj", "i"),
           **dict.fromkeys("uʊwy", "u"), **dict.fromkeys("əʌɐ", "@"), **dict.fromkeys("aæɑ", "a"),
           **dict.fromkeys("eɛ", "e"), **dict.fromkeys("ɜɝ", "E"), "o": "o", **dict.fromkeys("ɔɒ", "O"),
           **dict.fromkeys("βh", "p")}


@dataclass
class Applied:
    spoken: str  # the text with aliases in place of their graphemes
    phonemes: dict[str, str] = field(default_factory=dict)  # grapheme (casefolded) -> IPA of a <phoneme> lexeme


def named(stored: dict[str, dict[str, Any]], names: list[str], language: str) -> list[str]:
    """The PLS contents of the stored lexicons a request names, in its order, that Polly applies for
    ``language``: "Lexicons are applied only if the language of the lexicon is the same as the language of the
    voice" (SynthesizeSpeech); the others are ignored, silently."""
    return [stored[n]["content"] for n in names
            if n in stored and stored[n]["attributes"].get("LanguageCode") == language]


def apply(lexicons: list[str], text: str) -> Applied:
    """``text`` as the named lexicons (PLS contents, in request order: the first that has a grapheme wins) say it."""
    aliases: dict[str, str] = {}
    phonemes: dict[str, str] = {}
    for content in lexicons:
        for lexeme in ET.fromstring(content).iter(f"{PLS}lexeme"):
            alias, phoneme = lexeme.findtext(f"{PLS}alias"), lexeme.findtext(f"{PLS}phoneme")
            for grapheme in (g.text or "" for g in lexeme.iter(f"{PLS}grapheme")):
                key = " ".join(grapheme.casefold().split())
                if alias and key not in aliases and key not in phonemes:
                    aliases[key] = alias
                elif phoneme and key not in aliases and key not in phonemes:
                    phonemes[key] = phoneme
    spoken = "".join(p.text if isinstance(p, Fixed) else p for p in split(text, list(aliases.items())))
    return Applied(spoken, phonemes)


def visemes(ipa: str) -> list[str]:
    """Polly's viseme symbols for IPA (stress and length marks drop out)."""
    out, i = [], 0
    while i < len(ipa):
        pair = next((v for p, v in _VISEMES if ipa.startswith(p, i)), None)
        if pair is not None:
            out.append(pair)
            i += 2
            continue
        if ipa[i] in _VISEME:
            out.append(_VISEME[ipa[i]])
        i += 1
    return out


def word_phonemes(applied: Applied, espeak_ipa: Callable[[str], str]) -> Callable[[str], str]:
    """The IPA of a word: its lexicon phoneme, or espeak-ng's."""
    def ipa(word: str) -> str:
        key = " ".join(word.strip(".,;:!?¡¿\"'").casefold().split())
        return applied.phonemes.get(key) or espeak_ipa(word)
    return ipa
