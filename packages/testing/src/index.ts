export { residentBytes, startServer, type KeysetConfig, type RunningServer, type StartOptions } from './server.ts';
export { eventually } from './eventually.ts';
export { useServer } from './use-server.ts';
export { onCluster, pollFor, sqliteOnly, TEST_TARGET, type PollAnswer, type TestTarget } from './target.ts';
export { deleteRedisKeys, REDIS_URL, redisUnavailable, redisUrlWithPrefix } from './redis.ts';
export { rawAnswer, rawConnection, type RawAnswer, type RawConnection } from './raw-answer.ts';
