#!/usr/bin/env node
// The `ewsdav` command. The code is built to dist/ (`npm run build`; `npm ci` in the repository
// does it); this file only starts it, so that a missing build says what to do.
import nodeModule from "node:module";
import { homedir } from "node:os";
import { join } from "node:path";

// Node's on-disk cache of compiled modules (Node 22.1 and later; absent in Node 20): a run after
// the first skips compiling the command's modules. It lives in the user's own cache folder
// ($XDG_CACHE_HOME, else ~/.cache, then ewsdav/compile-cache), not in a temporary folder every user
// of the machine can write to (whoever made that folder first would choose the code we load).
// EWSDAV_COMPILE_CACHE=0 (or Node's own NODE_DISABLE_COMPILE_CACHE=1) turns it off.
if (process.env.EWSDAV_COMPILE_CACHE !== "0" && typeof nodeModule.enableCompileCache === "function") {
  try {
    nodeModule.enableCompileCache(join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "ewsdav", "compile-cache"));
  } catch {
    // A cache that cannot be set up (a read-only home) only costs start-up time.
  }
}

import("../dist/main.js").then(
  (cli) => cli.start(),
  (error) => {
    if (error && error.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("main.js")) {
      process.stderr.write("ewsdav: not built yet; run `npm run build` in the repository first\n");
      process.exit(2);
    }
    throw error;
  },
);
