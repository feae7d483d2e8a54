#!/usr/bin/env node
// The `ewsdav` command. The code is built to dist/ (`npm run build`; `npm ci` in the repository
// does it); this file only starts it, so that a missing build says what to do.
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
