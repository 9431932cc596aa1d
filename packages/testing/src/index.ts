export { residentBytes, startServer, type KeysetConfig, type RunningServer, type StartOptions } from './server.ts';
export { useServer } from './use-server.ts';
