"""What tests and benchmarks need to drive polyglot without models, devices or the network (not in the wheel:
the ``fake`` engines they use are a product family, runner.engines.fake, since rehearsals use them too).

- ``sources``: audio sources made in memory (a synthetic speaker, a recording that stalls, paced tone patterns);
- ``recordings``: generated recordings (tone bursts) and the real ones the machine has (LibriVox clips);
- ``sessions``: a whole session run in-process, and the events it emitted;
- ``leaks``: what a run left behind (tasks, threads, file descriptors, child processes);
- ``cli``: the ``polyglot`` command run in a subprocess, as a user runs it;
- ``icecast``: a real icecast2 server for the Icecast output's tests;
- ``measures`` and ``emulator_process``: what the benchmarks measure with, and the AWS emulator in a process of
  its own.

Importing this package imports none of them.
"""
