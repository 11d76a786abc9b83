"""The voices the emulated Polly offers (a subset of DescribeVoices, each as Polly describes it: default language,
additional languages, engines), and the espeak-ng voice that speaks for each language, so the emulator's audio is
real speech in the right language. A VoiceId of Polly's enum that is not listed here is refused with a
ValidationException that says the emulator lacks it."""

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


VOICES = [  # each one as DescribeVoices describes it; every Id is in Polly's VoiceId enum (tests/aws check)
    Voice("Joanna", "en-US", "US English", "Female", (S, N, G)),
    Voice("Matthew", "en-US", "US English", "Male", (S, N, G)),
    Voice("Ruth", "en-US", "US English", "Female", (N, G, L)),
    Voice("Danielle", "en-US", "US English", "Female", (N, G, L)),
    Voice("Gregory", "en-US", "US English", "Male", (N, L)),
    Voice("Stephen", "en-US", "US English", "Male", (N, G)),
    Voice("Salli", "en-US", "US English", "Female", (S, N)),
    Voice("Ivy", "en-US", "US English", "Female", (S, N)),
    Voice("Joey", "en-US", "US English", "Male", (S, N)),
    Voice("Justin", "en-US", "US English", "Male", (S, N)),
    Voice("Kendra", "en-US", "US English", "Female", (S, N)),
    Voice("Kevin", "en-US", "US English", "Male", (N,)),
    Voice("Kimberly", "en-US", "US English", "Female", (S, N)),
    Voice("Tiffany", "en-US", "US English", "Female", (G,)),
    Voice("Amy", "en-GB", "British English", "Female", (S, N, G)),
    Voice("Brian", "en-GB", "British English", "Male", (S, N, G)),
    Voice("Emma", "en-GB", "British English", "Female", (S, N)),
    Voice("Arthur", "en-GB", "British English", "Male", (N,)),
    Voice("Geraint", "en-GB-WLS", "Welsh English", "Male", (S,)),
    Voice("Lucia", "es-ES", "Castilian Spanish", "Female", (S, N, G)),
    Voice("Sergio", "es-ES", "Castilian Spanish", "Male", (N, G)),
    Voice("Conchita", "es-ES", "Castilian Spanish", "Female", (S,)),
    Voice("Enrique", "es-ES", "Castilian Spanish", "Male", (S,)),
    Voice("Mia", "es-MX", "Mexican Spanish", "Female", (S, N, G)),
    Voice("Andres", "es-MX", "Mexican Spanish", "Male", (N, G)),
    Voice("Lupe", "es-US", "US Spanish", "Female", (S, N, G)),
    Voice("Pedro", "es-US", "US Spanish", "Male", (N, G)),
    Voice("Penelope", "es-US", "US Spanish", "Female", (S,)),
    Voice("Miguel", "es-US", "US Spanish", "Male", (S,)),
    Voice("Arlet", "ca-ES", "Catalan", "Female", (N,)),
    Voice("Lea", "fr-FR", "French", "Female", (S, N, G)),
    Voice("Remi", "fr-FR", "French", "Male", (N, G)),
    Voice("Celine", "fr-FR", "French", "Female", (S,)),
    Voice("Mathieu", "fr-FR", "French", "Male", (S,)),
    Voice("Ambre", "fr-FR", "French", "Female", (G,)),
    Voice("Florian", "fr-FR", "French", "Male", (G,)),
    Voice("Gabrielle", "fr-CA", "Canadian French", "Female", (N, G)),
    Voice("Chantal", "fr-CA", "Canadian French", "Female", (S,)),
    Voice("Liam", "fr-CA", "Canadian French", "Male", (N,)),
    Voice("Isabelle", "fr-BE", "Belgian French", "Female", (N,)),
    Voice("Vicki", "de-DE", "German", "Female", (S, N, G)),
    Voice("Daniel", "de-DE", "German", "Male", (N, G)),
    Voice("Marlene", "de-DE", "German", "Female", (S,)),
    Voice("Hans", "de-DE", "German", "Male", (S,)),
    Voice("Lennart", "de-DE", "German", "Male", (G,)),
    Voice("Hannah", "de-AT", "Austrian German", "Female", (N,)),
    Voice("Sabrina", "de-CH", "Swiss Standard German", "Female", (N, G)),
    Voice("Bianca", "it-IT", "Italian", "Female", (S, N, G)),
    Voice("Adriano", "it-IT", "Italian", "Male", (N, G)),
    Voice("Carla", "it-IT", "Italian", "Female", (S,)),
    Voice("Giorgio", "it-IT", "Italian", "Male", (S,)),
    Voice("Beatrice", "it-IT", "Italian", "Female", (G,)),
    Voice("Lorenzo", "it-IT", "Italian", "Male", (G,)),
    Voice("Camila", "pt-BR", "Brazilian Portuguese", "Female", (S, N, G)),
    Voice("Vitoria", "pt-BR", "Brazilian Portuguese", "Female", (S, N)),
    Voice("Ricardo", "pt-BR", "Brazilian Portuguese", "Male", (S,)),
    Voice("Thiago", "pt-BR", "Brazilian Portuguese", "Male", (N,)),
    Voice("Ines", "pt-PT", "Portuguese", "Female", (S, N)),
    Voice("Cristiano", "pt-PT", "Portuguese", "Male", (S,)),
    Voice("Zhiyu", "cmn-CN", "Chinese Mandarin", "Female", (S, N)),
    Voice("Hiujin", "yue-CN", "Chinese Cantonese", "Female", (N,)),
    Voice("Takumi", "ja-JP", "Japanese", "Male", (S, N)),
    Voice("Mizuki", "ja-JP", "Japanese", "Female", (S,)),
    Voice("Kazuha", "ja-JP", "Japanese", "Female", (N,)),
    Voice("Tomoko", "ja-JP", "Japanese", "Female", (N,)),
    Voice("Seoyeon", "ko-KR", "Korean", "Female", (S, N, G)),
    Voice("Jihye", "ko-KR", "Korean", "Female", (N,)),
    Voice("Aditi", "en-IN", "Indian English", "Female", (S,), ("hi-IN",)),
    Voice("Raveena", "en-IN", "Indian English", "Female", (S,)),
    Voice("Kajal", "en-IN", "Indian English", "Female", (N, G), ("hi-IN",)),
    Voice("Olivia", "en-AU", "Australian English", "Female", (N, G)),
    Voice("Nicole", "en-AU", "Australian English", "Female", (S,)),
    Voice("Russell", "en-AU", "Australian English", "Male", (S,)),
    Voice("Aria", "en-NZ", "New Zealand English", "Female", (N, G)),
    Voice("Ayanda", "en-ZA", "South African English", "Female", (N, G)),
    Voice("Niamh", "en-IE", "Irish English", "Female", (N, G)),
    Voice("Jasmine", "en-SG", "Singaporean English", "Female", (N, G)),
    Voice("Laura", "nl-NL", "Dutch", "Female", (N, G)),
    Voice("Lotte", "nl-NL", "Dutch", "Female", (S,)),
    Voice("Ruben", "nl-NL", "Dutch", "Male", (S,)),
    Voice("Lisa", "nl-BE", "Belgian Dutch", "Female", (N, G)),
    Voice("Elin", "sv-SE", "Swedish", "Female", (N,)),
    Voice("Astrid", "sv-SE", "Swedish", "Female", (S,)),
    Voice("Sofie", "da-DK", "Danish", "Female", (N,)),
    Voice("Naja", "da-DK", "Danish", "Female", (S,)),
    Voice("Mads", "da-DK", "Danish", "Male", (S,)),
    Voice("Ida", "nb-NO", "Norwegian", "Female", (N,)),
    Voice("Liv", "nb-NO", "Norwegian", "Female", (S,)),
    Voice("Suvi", "fi-FI", "Finnish", "Female", (N,)),
    Voice("Ola", "pl-PL", "Polish", "Female", (N,)),
    Voice("Ewa", "pl-PL", "Polish", "Female", (S,)),
    Voice("Jacek", "pl-PL", "Polish", "Male", (S,)),
    Voice("Jan", "pl-PL", "Polish", "Male", (S,)),
    Voice("Maja", "pl-PL", "Polish", "Female", (S,)),
    Voice("Burcu", "tr-TR", "Turkish", "Female", (N,)),
    Voice("Filiz", "tr-TR", "Turkish", "Female", (S,)),
    Voice("Hala", "ar-AE", "Gulf Arabic", "Female", (N,)),
    Voice("Zayd", "ar-AE", "Gulf Arabic", "Male", (N,)),
    Voice("Jitka", "cs-CZ", "Czech", "Female", (N,)),
    Voice("Carmen", "ro-RO", "Romanian", "Female", (S,)),
    Voice("Dora", "is-IS", "Icelandic", "Female", (S,)),
    Voice("Karl", "is-IS", "Icelandic", "Male", (S,)),
    Voice("Gwyneth", "cy-GB", "Welsh", "Female", (S,)),
    Voice("Tatyana", "ru-RU", "Russian", "Female", (S,)),
    Voice("Maxim", "ru-RU", "Russian", "Male", (S,)),
    Voice("Zeina", "arb", "Arabic", "Female", (S,)),
]

BY_ID = {v.id: v for v in VOICES}
# In Polly's VoiceId enum (botocore's model) but not emulated: newer than the voice lists the emulator follows,
# which do not say their languages and engines. Refused with a ValidationException that says so.
LACKING = frozenset({"Arjun", "Carlos", "Carolina", "Curtis", "Hyunduk", "Kenneth", "Kiara", "Leo", "Nate", "Tina"})


def speaks(voice: Voice, language_code: str) -> bool:
    """Whether the voice speaks the language: its own or one of its additional languages."""
    return language_code == voice.language_code or language_code in voice.additional_languages


# espeak-ng voice that speaks each Polly language (by primary subtag).
ESPEAK_FOR = {"en": "en-us", "es": "es", "ca": "ca", "fr": "fr", "de": "de", "it": "it", "pt": "pt", "cmn": "cmn",
              "ja": "ja", "ko": "ko", "hi": "hi", "nl": "nl", "sv": "sv", "da": "da", "nb": "nb", "fi": "fi",
              "pl": "pl", "tr": "tr", "ar": "ar", "arb": "ar", "yue": "yue", "cs": "cs", "ro": "ro", "is": "is",
              "cy": "cy", "ru": "ru"}


def espeak_voice(language_code: str) -> str:
    return ESPEAK_FOR.get(language_code.split("-")[0].lower(), "en-us")
