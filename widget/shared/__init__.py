"""State shared by every worker and host when REDIS_URL is set (in process otherwise): the Redis
connection with its outage handling (`redis`), panel sessions' invalidation (`widget.auth`),
the Xero answers' cache (`widget.cache.RedisCache`) and rendered fragments (`fragments`)."""
