from runner.engines.aws.transcribe import Timeline


def test_contiguous_frames_keep_their_times():
    t = Timeline()
    for i in range(10):
        t.add(5.0 + i * 0.1, 0.1)
    assert t.stream_time(0.0) == 5.0 and t.stream_time(0.55) == 5.55


def test_replayed_audio_maps_back_to_its_session_time():
    t = Timeline()
    t.add(12.3, 0.1)  # a reconnect replays from 12.3 s
    t.add(12.4, 0.1)
    assert t.stream_time(0.15) == 12.45


def test_keepalive_silence_takes_no_session_time():
    t = Timeline()
    t.add(0.0, 1.0)
    t.add_silence(0.1)
    t.add_silence(0.1)
    t.add(1.0, 1.0)  # the source resumes where it stopped
    assert t.stream_time(0.5) == 0.5
    assert t.stream_time(1.05) == 1.0 and t.stream_time(1.15) == 1.0
    assert t.stream_time(1.7) == 1.5
