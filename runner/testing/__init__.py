"""What tests, benchmarks and rehearsals need to drive polyglot without models, devices or the network.

- ``fakes``: the ``fake`` engines (``provider: fake`` in a config): scripted speech-to-text, echo translation and
  tone synthesis, each with latency, failures and hangs on demand;
- ``sources``: audio sources made in memory (a synthetic speaker, a recording that stalls, paced tone patterns);
- ``recordings``: generated recordings (tone bursts) and the real ones the machine has (LibriVox clips);
- ``sessions``: a whole session run in-process, and the events it emitted;
- ``leaks``: what a run left behind (tasks, threads, file descriptors, child processes);
- ``cli``: the ``polyglot`` command run in a subprocess, as a user runs it;
- ``measures`` and ``emulator_process``: what the benchmarks measure with, and the AWS emulator in a process of
  its own.

Importing this package imports none of them.
"""
