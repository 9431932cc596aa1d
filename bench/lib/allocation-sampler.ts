/**
 * Preloaded into a Roster node by `bench/profile.ts --alloc` (after tsx): samples what the node
 * allocates, objects already collected included (V8's sampling heap profiler), from one SIGUSR2
 * to the next, then writes the sampling profile (`.heapprofile` JSON) to `$ALLOCATION_PROFILE`.
 * Bytes allocated per request do not move with the host's speed, as CPU time does.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/** One sample per this many bytes allocated, on average. */
const SAMPLING_INTERVAL = 512;

const out = process.env['ALLOCATION_PROFILE'];
if (out) {
  const session = new Session();
  session.connect();
  let sampling = false;
  process.on('SIGUSR2', () => {
    if (!sampling) {
      sampling = true;
      session.post('HeapProfiler.startSampling', {
        samplingInterval: SAMPLING_INTERVAL,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      return;
    }
    sampling = false;
    session.post('HeapProfiler.stopSampling', (error, result) => {
      if (error) console.error(`allocation sampler: ${error.message}`);
      else {
        // Written aside, then renamed: the file appears only once it is whole.
        writeFileSync(`${out}.part`, JSON.stringify(result.profile));
        renameSync(`${out}.part`, out);
      }
    });
  });
}
