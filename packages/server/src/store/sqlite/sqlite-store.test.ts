import { runStoreContract } from '../contract.ts';
import { SqliteStore } from './index.ts';

runStoreContract({ name: 'SQLite (in memory)', create: async () => new SqliteStore({ path: ':memory:', synchronous: 'normal' }) });
