/**
 * Every command of `ewsdav`, in the order the help lists them. Only the specs are imported here
 * (plain data); each command's code is loaded when it runs.
 */
import type { CommandSpec } from "../cli/spec.js";
import { spec as completion } from "./completion/spec.js";
import { spec as configSchema } from "./config-schema/spec.js";
import { spec as demo } from "./demo/spec.js";
import { spec as discover } from "./discover/spec.js";
import { spec as doctor } from "./doctor/spec.js";
import { spec as init } from "./init/spec.js";
import { spec as login } from "./login/spec.js";
import { spec as map } from "./map/spec.js";
import { spec as moveToGraph } from "./move-to-graph/spec.js";
import { spec as resetPair } from "./reset-pair/spec.js";
import { spec as status } from "./status/spec.js";
import { spec as sync } from "./sync/spec.js";
import { spec as unlink } from "./unlink/spec.js";
import { spec as watch } from "./watch/spec.js";

/** The commands, in help order. */
export const COMMANDS: readonly CommandSpec[] = [init, login, discover, sync, watch, status, doctor, map, unlink, resetPair, moveToGraph, configSchema, completion, demo];
