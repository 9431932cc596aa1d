import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { STDERR_LOG, type Log } from '../../model/log.ts';
import type { Connection } from './connection.ts';

/** How often the checkpoint thread copies committed WAL pages into the database file. */
const INTERVAL_MS = 250;
/**
 * The writer's own checkpoint, kept only as a backstop for a checkpoint thread that falls
 * behind: at SQLite's default of 1,000 pages it would fsync on the event loop every few
 * hundred writes.
 */
const BACKSTOP_PAGES = 20_000;

/*
 * Plain CommonJS, run with `eval`, so the thread starts the same under tsx, vitest or a build.
 * PASSIVE never blocks the writer; a busy moment is simply retried at the next tick.
 */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints the WAL of a file database from a thread of its own, so that the fsyncs of
 * checkpointing never stall request handling. Durability is unchanged: a write is durable
 * once its commit is in the WAL; checkpoints only move pages into the main file.
 */
export class Checkpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  #running = true;

  constructor(db: Connection, path: string, log: Log = STDERR_LOG) {
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.#worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { driver, path, intervalMs: INTERVAL_MS } });
    this.#worker.unref();
    this.#exited = new Promise<void>((done) => this.#worker.once('exit', () => done()));
    // A thread that fails hands checkpointing back to the writer, at SQLite's default interval.
    this.#worker.on('error', (error) => {
      log.error({ err: error }, 'WAL checkpoint thread failed; the writer checkpoints from now on');
      if (db.open) db.pragma('wal_autocheckpoint = 1000');
    });
    void this.#exited.then(() => (this.#running = false));
  }

  /** Stops the thread after its current checkpoint; resolves once it has closed its connection. */
  async stop(): Promise<void> {
    if (this.#running) {
      this.#worker.ref(); // keep the process alive until the thread is done
      this.#worker.postMessage('stop');
    }
    await this.#exited;
  }
}
