/**
 * `npm run demo [-- --keep]`: starts the EWS simulator with its seeded mailbox, links its folders
 * to a vdir folder, syncs, changes one item on each side, syncs again and shows both changes arrived.
 */
import { runDemo } from "./demo.js";

const result = await runDemo(console.log, process.argv.includes("--keep"));
process.exit(result.localEditArrived && result.remoteEditArrived && result.second.ok ? 0 : 1);
