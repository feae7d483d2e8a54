/**
 * Where the time of one process goes, over time: reads a V8 CPU profile (`node --cpu-prof`, or the
 * benches' `CPU_PROF=DIR` / `--cpu-prof DIR`) and prints, per time slice, the share of samples
 * spent under each of the named functions (a sample counts for every named function on its
 * stack) and idle. It shows the phases of a sync — start-up, waiting for the server's answer,
 * parsing, planning, writes — and whether they overlap, which a flat profile does not.
 *
 *   npx tsx bench/profile-timeline.ts FILE.cpuprofile [sliceMs=500] [FUNCTION...]
 *
 * The default functions are those of a DAV → vdir first sync.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const [file, sliceArg = "500", ...named] = process.argv.slice(2);
if (!file) {
  console.error("usage: npx tsx bench/profile-timeline.ts FILE.cpuprofile [sliceMs=500] [FUNCTION...]");
  process.exit(2);
}
const sliceMs = Number(sliceArg);
const markers = named.length
  ? named
  : ["(idle)", "(garbage collector)", "compileSourceTextModule", "syncCollection", "parseMultistatus", "readItems", "planActions", "execute", "sqliteTransaction", "create", "#makeDurable"];

const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
/** The named functions on a node's stack, computed once per node. */
const onStack = new Map<number, Set<string>>();
const namesOf = (id: number): Set<string> => {
  let names = onStack.get(id);
  if (names) return names;
  names = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const name = byId.get(at)!.callFrame.functionName;
    if (markers.includes(name)) names.add(name);
  }
  onStack.set(id, names);
  return names;
};

const slices = new Map<number, { samples: number; counts: Map<string, number> }>();
let t = profile.startTime;
profile.samples.forEach((sample, i) => {
  t += profile.timeDeltas[i] ?? 0;
  const slice = Math.floor((t - profile.startTime) / 1000 / sliceMs);
  let row = slices.get(slice);
  if (!row) slices.set(slice, (row = { samples: 0, counts: new Map() }));
  row.samples++;
  for (const name of namesOf(sample)) row.counts.set(name, (row.counts.get(name) ?? 0) + 1);
});
console.log(`${file}: ${((t - profile.startTime) / 1000).toFixed(0)} ms sampled, slices of ${sliceMs} ms`);
for (const [slice, row] of [...slices].sort((a, b) => a[0] - b[0])) {
  const shares = markers
    .filter((m) => row.counts.has(m))
    .map((m) => `${m} ${Math.round((100 * row.counts.get(m)!) / row.samples)}%`)
    .join("  ");
  console.log(`${String(slice * sliceMs).padStart(7)} ms  ${shares}`);
}
