#!/usr/bin/env bash
# Every benchmark once, in one go, as docs/benchmarks.md reports them. About 45 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
echo "### fanout";      $py -m bench.fanout --targets 1 4 16 32 64 --utterances 15 --runs 3
echo "### overhead";    $py -m bench.overhead --targets 4 --utterances 300
echo "### first_audio"; $py -m bench.first_audio
echo "### offline_rtf"; $py -m bench.offline_rtf
echo "### offline_wer"; $py -m bench.offline_wer
echo "### listeners";   $py -m bench.listeners --targets 32 --listeners 100
echo "### simultaneous"; $py -m bench.simultaneous
echo "### soak";        $py -m bench.soak --minutes 60 --targets 8 --speed 12
echo "### hls";         $py -m bench.hls
