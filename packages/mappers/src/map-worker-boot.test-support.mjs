// Starts the map worker (TypeScript) in a worker thread through tsx, which vitest's own transform does not reach.
import { workerData } from "node:worker_threads";
import { tsImport } from "tsx/esm/api";

await tsImport(workerData.module, import.meta.url);
