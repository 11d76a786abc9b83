import asyncio

import pytest

from runner.runtime.lanes import Lane


def drain(lane):
    async def collect():
        return [x async for x in lane]

    return collect()


def test_drop_oldest():
    lane = Lane(2, "drop-oldest")
    assert [lane.offer(i) for i in range(4)] == [None, None, 0, 1]
    lane.close()
    assert asyncio.run(drain(lane)) == [2, 3]


def test_drop_newest():
    lane = Lane(2, "drop-newest")
    assert [lane.offer(i) for i in range(4)] == [None, None, 2, 3]
    lane.close()
    assert asyncio.run(drain(lane)) == [0, 1]


def test_block_waits_for_room():
    async def main():
        lane = Lane(1, "block")
        await lane.put(1)
        blocked = asyncio.create_task(lane.put(2))
        await asyncio.sleep(0.01)
        assert not blocked.done()
        assert await lane.get() == 1
        await asyncio.wait_for(blocked, 1)
        lane.close()
        return [x async for x in lane]

    assert asyncio.run(main()) == [2]


def test_abandoned_lane_refuses_and_releases_a_blocked_producer():
    async def main():
        lane = Lane(1, "block")
        await lane.put(1)
        blocked = asyncio.create_task(lane.put(2))
        await asyncio.sleep(0.01)
        assert lane.abandon() == [1]
        assert await asyncio.wait_for(blocked, 1) == 2  # refused: returned as dropped
        return await lane.get()

    assert asyncio.run(main()) is None


def test_get_waits_then_ends_on_close():
    async def main():
        lane = Lane(4, "drop-oldest")
        getter = asyncio.create_task(lane.get())
        await asyncio.sleep(0.01)
        assert not getter.done()
        lane.close()
        return await asyncio.wait_for(getter, 1)

    assert asyncio.run(main()) is None


def test_unknown_policy():
    with pytest.raises(ValueError):
        Lane(1, "spill")
