/**
 * `npm run demo [-- --keep] [-- --watch]`: starts the EWS simulator with its seeded mailbox, links
 * its folders to a vdir folder, syncs, changes one item on each side, syncs again and shows both
 * changes arrived. With `--watch` it then stays in active mode, showing edits carried across live
 * (edit the files it names, or watch its own Exchange-side edits), until Ctrl-C.
 */
import { runDemo } from "./demo.js";

const watching = process.argv.includes("--watch");
const stop = new AbortController();
if (watching) for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => stop.abort());
const result = await runDemo(console.log, { keep: process.argv.includes("--keep"), ...(watching ? { watch: { signal: stop.signal } } : {}) });
process.exit(result.localEditArrived && result.remoteEditArrived && result.second.ok ? 0 : 1);
