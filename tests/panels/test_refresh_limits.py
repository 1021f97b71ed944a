"""Refresh bounded per user and per workspace (issue 12, widget.contact.refreshing): a user
looping Refresh is told to wait; a workspace's users together get a fixed number a minute;
another workspace is not affected."""

from widget.cache import MemoryCache
from widget.contact import refreshing


class Clock:
    def __init__(self):
        self.now = 1_000_040.0  # 20 s into a minute (1,000,020 is one)

    def __call__(self):
        return self.now


def test_a_user_waits_between_refreshes(app):
    clock = Clock()
    cache = MemoryCache(clock=clock)
    app.config.update(REFRESH_USER_MIN_SECONDS=15, REFRESH_WORKSPACE_PER_MINUTE=100)
    with app.app_context():
        assert refreshing.claim(cache, "ws-a", "7") == 0
        assert refreshing.claim(cache, "ws-a", "7") == 15
        clock.now += 10
        assert refreshing.claim(cache, "ws-a", "7") == 5
        assert refreshing.claim(cache, "ws-a", "8") == 0  # another user
        assert refreshing.claim(cache, "ws-b", "7") == 0  # the same id in another workspace
        clock.now += 5
        assert refreshing.claim(cache, "ws-a", "7") == 0


def test_a_workspace_gets_a_fixed_number_a_minute(app):
    clock = Clock()
    cache = MemoryCache(clock=clock)
    app.config.update(REFRESH_USER_MIN_SECONDS=0, REFRESH_WORKSPACE_PER_MINUTE=3)
    with app.app_context():
        assert [refreshing.claim(cache, "ws-a", str(u)) for u in range(3)] == [0, 0, 0]
        assert refreshing.claim(cache, "ws-a", "9") == 40  # until the minute turns
        assert refreshing.claim(cache, "ws-b", "9") == 0  # other workspaces keep theirs
        clock.now += 40
        assert refreshing.claim(cache, "ws-a", "9") == 0
