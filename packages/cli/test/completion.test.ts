/**
 * `ewsdav completion bash|zsh`, generated from the command specs: the bash script sourced in real
 * bash (`complete -p`, then the function called with COMP_WORDS/COMP_CWORD set), the zsh script
 * loaded after `compinit` in an interactive zsh driven through a pseudo-terminal (zsh's zpty
 * module), where a Tab offers the commands, options, choices and file names.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ensureDebianPackages } from "../../../test/harness/debian.js";
import { runCli } from "./cli.test-support.js";

const dir = mkdtempSync(join(tmpdir(), "ewsdav-completion-"));
for (const file of ["alpha.vcf", "beta.ics", "config.json"]) writeFileSync(join(dir, file), "");

async function script(shell: "bash" | "zsh"): Promise<string> {
  const run = await runCli(["completion", shell]);
  expect(run.code, run.stderr).toBe(0);
  const path = join(dir, `ewsdav.${shell}`);
  writeFileSync(path, run.stdout);
  return path;
}

describe("ewsdav completion bash", () => {
  let path: string;
  beforeAll(async () => {
    path = await script("bash");
  });

  /** What the completion function offers for the words of a command line (the last one being completed). */
  function complete(...words: string[]): string[] {
    const driver = `source ${JSON.stringify(path)}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; COMPREPLY=()
_ewsdav
printf '%s\\n' "\${COMPREPLY[@]}"`;
    const out = execFileSync("bash", ["--norc", "--noprofile", "-c", driver], { cwd: dir, encoding: "utf8" });
    return out.split("\n").filter(Boolean).sort();
  }

  it("registers a completion function for ewsdav", () => {
    const out = execFileSync("bash", ["--norc", "--noprofile", "-c", `source ${JSON.stringify(path)}; complete -p ewsdav`], { encoding: "utf8" });
    expect(out.trim()).toBe("complete -F _ewsdav ewsdav");
  });

  it("offers the commands, a two-word command's second word, options, choices and file names", () => {
    expect(complete("ewsdav", "")).toEqual(["completion", "config", "demo", "discover", "doctor", "init", "login", "map", "move-to-graph", "reset-pair", "status", "sync", "unlink", "watch"]);
    expect(complete("ewsdav", "s")).toEqual(["status", "sync"]);
    expect(complete("ewsdav", "config", "")).toEqual(["schema"]);
    expect(complete("ewsdav", "sync", "--d")).toEqual(["--dry-run"]);
    expect(complete("ewsdav", "sync", "--")).toEqual(expect.arrayContaining(["--pair", "--json", "--json-lines", "--quiet", "--verbose", "--config", "--help"]));
    expect(complete("ewsdav", "completion", "")).toEqual(["bash", "zsh"]);
    expect(complete("ewsdav", "map", "")).toEqual(["alpha.vcf", "beta.ics", "config.json", "ewsdav.bash"]);
    expect(complete("ewsdav", "map", "--time-zone", "UTC", "a")).toEqual(["alpha.vcf"]);
    expect(complete("ewsdav", "sync", "--config", "con")).toEqual(["config.json"]);
    expect(complete("ewsdav", "--config", "config.json", "wa")).toEqual(["watch"]);
    expect(complete("ewsdav", "sync", "--pair", "")).toEqual([]);
  });
});

describe("ewsdav completion zsh", () => {
  let path: string;
  beforeAll(async () => {
    ensureDebianPackages("zsh", ["zsh"], () => spawnSync("zsh", ["--version"]).status === 0);
    path = await script("zsh");
  });

  it("loads after compinit, and a Tab offers the commands, options, choices and file names", () => {
    // An interactive zsh on a pseudo-terminal (zpty): each line is typed with two Tabs, then erased,
    // then a marker command; its output (not its echo) and the next prompt end the read, so the next
    // line is typed once the line editor is back.
    const lines = ["ewsdav ", "ewsdav sync --d", "ewsdav completion ", "ewsdav config ", "ewsdav map a"];
    const driver = `zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z 'PS1="%% "; autoload -Uz compinit; compinit -u -D; source ${path}; print -r -- LOAD\${:-ED}:\${_comps[ewsdav]}:'
zpty -r z out '*LOADED:*:*' && print -r -- "$out"
zpty -w z "zstyle ':completion:*' list-prompt ''; zstyle ':completion:*' menu no; setopt nolistbeep nobeep; LISTMAX=1000; print MARK\\$((0))"
zpty -r z out '*MARK0*%*'
i=1
for line in ${lines.map((l) => `'${l}'`).join(" ")}; do
  zpty -w -n z "$line"$'\\t\\t'
  zpty -w z $'\\C-u'"print MARK\\$(($i))"
  zpty -r z out "*MARK$i*%*"
  print -r -- "=== $i"; print -r -- "$out"
  i=$((i+1))
done
zpty -d z
`;
    const raw = execFileSync("timeout", ["60", "zsh", "-f", "-c", driver], { cwd: dir, encoding: "utf8", env: { ...process.env, TERM: "xterm", HOME: dir } });
    // eslint-disable-next-line no-control-regex
    const screen = raw.replace(/\r/g, "").replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, "");
    const part = (i: number) => screen.slice(screen.indexOf(`=== ${i}\n`), i < lines.length ? screen.indexOf(`=== ${i + 1}\n`) : undefined);
    expect(screen).toContain("LOADED:_ewsdav:");
    expect(part(1)).toMatch(/sync\s+-- Sync the configured pairs once/);
    expect(part(1)).toMatch(/watch\s+-- Keep the configured pairs in sync until stopped/);
    expect(part(1)).toMatch(/config\s+-- config commands/);
    expect(part(2)).toContain("ewsdav sync --dry-run");
    expect(part(3)).toMatch(/bash\s+zsh/);
    expect(part(4)).toContain("ewsdav config schema");
    expect(part(5)).toContain("ewsdav map alpha.vcf");
  });
});

describe("ewsdav completion with no or another shell", () => {
  it("is a usage error (exit 2) naming the shells it knows", async () => {
    for (const args of [["completion"], ["completion", "fish"]]) {
      const run = await runCli(args);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
    }
    expect((await runCli(["completion", "fish"])).stderr).toContain("bash");
  });
});
