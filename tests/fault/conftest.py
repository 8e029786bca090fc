import pytest

from tests.fault.support import PrivatePostgres, PrivateRedis, app_env


@pytest.fixture
def services():
    """Private PostgreSQL and Redis (migrated), torn down with whatever the test registered."""
    pg = PrivatePostgres()
    redis = PrivateRedis()
    started = []
    try:
        env = app_env(pg, redis)
        from tests.fault.support import manage

        owner_env = {**env, "DATABASE_URL": pg.owner_url}
        manage(owner_env, "migrate", "--no-input", "-v", "0", timeout=300)
        yield pg, redis, env, started
    finally:
        for thing in reversed(started):
            thing.close()
        redis.close()
        pg.close()
