"""Django's Redis cache, with one client per connection pool instead of one per operation,
and timeouts.

Django's backend builds a `redis.Redis` for every get and set, and redis-py rebuilds its table of
some 170 response callbacks in each (redis-py issue 3624): about 250 µs a call, more than the round
trip itself. A `redis.Redis` is safe to share between threads (it takes a connection from its
pool for each command), so one per pool is kept.
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    """Also gives up on an unreachable server after a second (redis-py waits forever by
    default), so that a page is rendered without the cache instead of hanging."""

    def __init__(self, server, params):
        options = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}
        params = {**params, "OPTIONS": {**options, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._class = RedisCacheClient
