"""The voices the emulated Polly offers (a realistic subset of DescribeVoices), and the espeak-ng voice that
speaks for each language, so the emulator's audio is real speech in the right language."""

from __future__ import annotations

from dataclasses import dataclass

S, N, G, L = "standard", "neural", "generative", "long-form"


@dataclass(frozen=True)
class Voice:
    id: str
    language_code: str
    language_name: str
    gender: str
    engines: tuple[str, ...]
    additional_languages: tuple[str, ...] = ()

    def describe(self) -> dict[str, object]:
        out: dict[str, object] = {"Gender": self.gender, "Id": self.id, "LanguageCode": self.language_code,
                                  "LanguageName": self.language_name, "Name": self.id,
                                  "SupportedEngines": list(self.engines)}
        if self.additional_languages:
            out["AdditionalLanguageCodes"] = list(self.additional_languages)
        return out


VOICES = [
    Voice("Joanna", "en-US", "US English", "Female", (S, N, G, L)),
    Voice("Matthew", "en-US", "US English", "Male", (S, N, G)),
    Voice("Ruth", "en-US", "US English", "Female", (N, G, L)),
    Voice("Amy", "en-GB", "British English", "Female", (S, N, G)),
    Voice("Lucia", "es-ES", "Castilian Spanish", "Female", (S, N, G)),
    Voice("Sergio", "es-ES", "Castilian Spanish", "Male", (N, G)),
    Voice("Conchita", "es-ES", "Castilian Spanish", "Female", (S,)),
    Voice("Mia", "es-MX", "Mexican Spanish", "Female", (S, N, G)),
    Voice("Lupe", "es-US", "US Spanish", "Female", (S, N, G)),
    Voice("Arlet", "ca-ES", "Catalan", "Female", (N,)),
    Voice("Lea", "fr-FR", "French", "Female", (S, N, G)),
    Voice("Remi", "fr-FR", "French", "Male", (N, G)),
    Voice("Vicki", "de-DE", "German", "Female", (S, N, G)),
    Voice("Daniel", "de-DE", "German", "Male", (N, G)),
    Voice("Bianca", "it-IT", "Italian", "Female", (S, N, G)),
    Voice("Adriano", "it-IT", "Italian", "Male", (N, G)),
    Voice("Camila", "pt-BR", "Brazilian Portuguese", "Female", (S, N, G)),
    Voice("Ines", "pt-PT", "Portuguese", "Female", (S, N)),
    Voice("Zhiyu", "cmn-CN", "Chinese Mandarin", "Female", (S, N)),
    Voice("Takumi", "ja-JP", "Japanese", "Male", (S, N)),
    Voice("Seoyeon", "ko-KR", "Korean", "Female", (S, N, G)),
    Voice("Aditi", "hi-IN", "Hindi", "Female", (S,), ("en-IN",)),
    Voice("Kajal", "en-IN", "Indian English", "Female", (N, G), ("hi-IN",)),
    Voice("Olivia", "en-AU", "Australian English", "Female", (N, G)),
    Voice("Aria", "en-NZ", "New Zealand English", "Female", (N,)),
    Voice("Ayanda", "en-ZA", "South African English", "Female", (N, G)),
    Voice("Niamh", "en-IE", "Irish English", "Female", (N,)),
    Voice("Gabrielle", "fr-CA", "Canadian French", "Female", (N, G)),
    Voice("Hannelore", "de-AT", "Austrian German", "Female", (N,)),
    Voice("Sabrina", "de-CH", "Swiss German", "Female", (N,)),
    Voice("Laura", "nl-NL", "Dutch", "Female", (N,)),
    Voice("Lisa", "nl-BE", "Belgian Dutch", "Female", (N,)),
    Voice("Elin", "sv-SE", "Swedish", "Female", (N,)),
    Voice("Sofie", "da-DK", "Danish", "Female", (N,)),
    Voice("Ida", "nb-NO", "Norwegian", "Female", (N,)),
    Voice("Suvi", "fi-FI", "Finnish", "Female", (N,)),
    Voice("Ola", "pl-PL", "Polish", "Female", (N,)),
    Voice("Burcu", "tr-TR", "Turkish", "Female", (N,)),
    Voice("Hala", "ar-AE", "Gulf Arabic", "Female", (N,)),
    Voice("Kazuha", "ja-JP", "Japanese", "Female", (N,)),
    Voice("Hiujin", "yue-CN", "Cantonese", "Female", (N,)),
    Voice("Jitka", "cs-CZ", "Czech", "Female", (N,)),
    Voice("Carmen", "ro-RO", "Romanian", "Female", (S,)),
    Voice("Dora", "is-IS", "Icelandic", "Female", (S,)),
    Voice("Gwyneth", "cy-GB", "Welsh", "Female", (S,)),
    Voice("Tatyana", "ru-RU", "Russian", "Female", (S,)),
    Voice("Zeina", "arb", "Arabic", "Female", (S,)),
]

BY_ID = {v.id: v for v in VOICES}

# espeak-ng voice that speaks each Polly language (by primary subtag).
ESPEAK_FOR = {"en": "en-us", "es": "es", "ca": "ca", "fr": "fr", "de": "de", "it": "it", "pt": "pt", "cmn": "cmn",
              "ja": "ja", "ko": "ko", "hi": "hi", "gl": "pt", "eo": "eo", "nl": "nl", "sv": "sv", "da": "da",
              "nb": "nb", "fi": "fi", "pl": "pl", "tr": "tr", "ar": "ar", "yue": "yue", "cs": "cs", "ro": "ro",
              "is": "is", "cy": "cy", "ru": "ru"}


def espeak_voice(language_code: str) -> str:
    return ESPEAK_FOR.get(language_code.split("-")[0].lower(), "en-us")
