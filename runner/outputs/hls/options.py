"""The ``hls`` output's options: where it publishes (a folder, S3), how long a segment is, how much a live
playlist holds, and the audio encoding."""

from __future__ import annotations

from dataclasses import dataclass

from runner.options import CString, Path_, option

# AAC-LC rates every HLS player decodes; the timeline is 16 kHz speech, so higher rates only cost bits and CPU.
AAC_RATES = (16000, 22050, 24000, 32000, 44100, 48000)
DEFAULT_FOLDER = "hls"


@dataclass(frozen=True)
class S3Options:
    """Publish to an S3 bucket (a CDN in front serves the audience): segments first, then the playlists."""

    bucket: CString = option(doc="The bucket (it must exist; the run's AWS credentials must be allowed to put "
                             "and delete objects in it).", minLength=3, maxLength=63,
                             pattern="^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
    prefix: CString = option("", doc="Key prefix of every object, e.g. 'live/sunday/' (a trailing / is usual).")
    endpoint_url: str | None = option(None, doc="Another S3-compatible endpoint (default: AWS's, or "
                                      "AWS_ENDPOINT_URL_S3).", minLength=1)


@dataclass(frozen=True)
class HlsOptions:
    """HTTP Live Streaming: every language as an audio rendition (AAC) and a WebVTT subtitle rendition, and the
    speaker's transcript as subtitles, for any HLS player behind any web server or CDN."""

    path: Path_ | None = option(None, doc="Folder the stream is written to, relative to the output folder "
                                "(default: hls, unless s3 is given: then S3 only). Serve it with any static web "
                                "server; master.m3u8 is the entry.")
    s3: S3Options | None = option(None, doc="Publish to S3 (needs the aws extra); with a path too, to both.")
    segment_seconds: float = option(2.0, doc="Length of a segment: a player is at least this far behind the "
                                    "speech.", minimum=1.0, maximum=10.0)
    window: int = option(6, doc="Segments a live playlist lists (at least 3, as HLS requires).", minimum=3,
                         maximum=100)
    replay: bool = option(True, doc="Keep every segment, so that the ended broadcast replays whole (VOD); "
                          "false: segments that left the live window are deleted.")
    sample_rate: int = option(16000, doc="AAC sample rate in Hz (speech is 16 kHz).", enum=list(AAC_RATES))
    bitrate: int = option(48000, doc="AAC bit rate in bits per second.", minimum=16000, maximum=192000)
    transcript: bool = option(True, doc="Offer the speaker's own words as a subtitle track too.")
    default_language: str | None = option(None, doc="The target label (its language) players start with "
                                          "(default: the first target).", minLength=1)


def folder_of(options: HlsOptions) -> str | None:
    """The folder it writes (relative paths land in the output folder), or None for S3 only."""
    return options.path or (DEFAULT_FOLDER if options.s3 is None else None)
