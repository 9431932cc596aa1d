/**
 * How the node's V8 heap is tuned, applied when this module is first evaluated: main.ts imports it
 * before Roster's other modules, so a node started by any of its commands runs with it. (In the
 * built bundle, dist/main.js, the packages it imports load first: only their loading runs with
 * V8's default.)
 *
 * Allocation-site pretenuring is turned off (V8's `--no-allocation-site-pretenuring`). V8 watches,
 * for each place in the code that makes objects, how many of them live through a young-generation
 * collection, and sends the objects of a place it judges long-lived to the old generation, which
 * only a full mark-compact frees. A long-poll held until its channel's next message lives through
 * the collection that comes while the round's answers are written, so the places that make every
 * request's objects are judged long-lived: each next round's polls were then promoted as well.
 * With 1,000 subscribers (docs/benchmarks.md, "Pretenuring, not the young generation's size")
 * promoted bytes per delivered answer fell from about 3.5 KB to 4 B, and the node's CPU per
 * delivered answer by about a fifth; gets, sets and lists did not change.
 *
 * Set at run time because `NODE_OPTIONS` does not accept the flag; V8 applies it from the next
 * collection on (measured). A node started with `--allocation-site-pretenuring` keeps V8's default.
 */
import { setFlagsFromString } from 'node:v8';
import { pretenuringChosen } from './v8-flags.ts';

if (!pretenuringChosen(process.execArgv)) setFlagsFromString('--no-allocation-site-pretenuring');
