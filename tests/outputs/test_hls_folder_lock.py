"""Two runs publishing HLS into one folder would overwrite each other's playlists and segments: the second one is
refused, naming the run that holds the folder, as for every file output."""

from __future__ import annotations

import asyncio

import pytest

from runner.io.outputs import OutputBusy
from runner.outputs.hls.publish import FolderPublisher


def test_a_folder_another_publisher_holds_is_refused_until_it_is_released(tmp_path):
    async def scenario() -> None:
        first = FolderPublisher(tmp_path / "hls")
        await first.start()
        second = FolderPublisher(tmp_path / "hls")
        with pytest.raises(OutputBusy, match="another polyglot run"):
            await second.start()
        await first.aclose()
        third = FolderPublisher(tmp_path / "hls")
        await third.start()  # released: the folder can be published again
        await third.aclose()

    asyncio.run(scenario())
