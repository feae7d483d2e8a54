/**
 * Questions for interactive commands (`ewsdav init`): a question on the output stream, an answer
 * line from the input stream, so the same code runs on a terminal and with piped input (tests
 * write the answers to stdin). Defaults are shown in brackets; a choice is answered by number or
 * name; an invalid answer is asked again — on a terminal as often as needed, with piped input at
 * most `maxAttempts` times, then the command ends with exit code 2 naming the question. The end of
 * the input ends the command (exit 2, "input ended at question …"). On a terminal, a secret's
 * characters are not echoed (the line editor writes to a stream that is muted while it is typed).
 */
import { Writable } from "node:stream";
import { createInterface, type Interface } from "node:readline";
import { CliError, EXIT } from "./exit-codes.js";

/** One choice of {@link Prompter.choose}. */
export interface Choice<T extends string> {
  /** What the answer stands for (also accepted as the answer, case-insensitively). */
  value: T;
  /** Shown after the number; its first word is accepted as the answer too. */
  label: string;
}

/** Options of a text question. */
export interface AskOptions {
  /** Taken when the answer is empty; shown in brackets. */
  default?: string;
  /** Returns why an answer is not acceptable (asked again), or undefined when it is. */
  validate?: (answer: string) => string | undefined;
  /** Accept an empty answer (as "") when there is no default. */
  allowEmpty?: boolean;
}

/** Asks questions and reads the answers. */
export interface Prompter {
  /** Asks for a line of text (trimmed). */
  ask(question: string, options?: AskOptions): Promise<string>;
  /** Asks for a secret: not echoed on a terminal, never printed, not trimmed. */
  secret(question: string, options?: { allowEmpty?: boolean }): Promise<string>;
  /** Asks to pick one of `choices` by number or name. */
  choose<T extends string>(question: string, choices: ReadonlyArray<Choice<T>>, options?: { default?: T }): Promise<T>;
  /** Asks to pick any number of `choices` (numbers or names separated by commas or spaces; `none` for none). */
  chooseMany<T extends string>(question: string, choices: ReadonlyArray<Choice<T>>, options?: { default?: readonly T[] }): Promise<T[]>;
  /** Asks a yes/no question. */
  confirm(question: string, options?: { default?: boolean }): Promise<boolean>;
  /** Prints a line (a hint, a result) on the question stream. */
  note(line: string): void;
  /** Stops reading the input. */
  close(): void;
}

/** Options of {@link createPrompter}. */
export interface PrompterOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Where questions go (stdout; stderr when stdout carries a JSON result). */
  output: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  /** Whether the input is a terminal (default: `input.isTTY`): unbounded re-asking, no echo of secrets. */
  terminal?: boolean;
  /** Invalid answers accepted from piped input before giving up (default 3). */
  maxAttempts?: number;
  /** Aborts a pending question (Ctrl-C, SIGTERM). */
  signal?: AbortSignal;
}

/** A question name for messages: its text without the trailing colon or question mark. */
function nameOf(question: string): string {
  return `"${question.replace(/[\s:?]+$/, "")}"`;
}

/** A stream in front of the terminal that drops what is written while muted (the line editor's echo of a secret). */
class MutableOutput extends Writable {
  muted = false;
  constructor(private readonly target: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }) {
    super();
  }
  get isTTY(): boolean {
    return Boolean(this.target.isTTY);
  }
  get columns(): number {
    return this.target.columns ?? 80;
  }
  /** Decides at the moment of writing (not later, as a Writable's buffer would), so an echo typed while muted is never shown. */
  override write(chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean {
    const done = typeof encodingOrCallback === "function" ? encodingOrCallback : callback;
    if (!this.muted) this.target.write(chunk as string);
    if (typeof done === "function") process.nextTick(done as () => void);
    return true;
  }
}

/** Creates a {@link Prompter} over an input and an output stream. */
export function createPrompter(options: PrompterOptions): Prompter {
  const terminal = options.terminal ?? Boolean(options.input.isTTY);
  const maxAttempts = options.maxAttempts ?? 3;
  const out = options.output;
  const echo = new MutableOutput(out);
  const rl: Interface = createInterface({ input: options.input, output: echo, terminal, historySize: 0 });
  // Lines are queued: piped input arrives in chunks of many lines, and a line read while no question waits must not be lost.
  const lines: string[] = [];
  let ended = false;
  let waiting: { resolve: (line: string | undefined) => void } | undefined;
  let interrupted: Error | undefined;
  const wake = (line: string | undefined) => {
    const w = waiting;
    waiting = undefined;
    w?.resolve(line);
  };
  rl.on("line", (line) => {
    if (waiting) wake(line);
    else lines.push(line);
  });
  rl.on("close", () => {
    ended = true;
    wake(undefined);
  });
  // Ctrl-C on a terminal reaches readline, not the process: stop the command.
  rl.on("SIGINT", () => {
    interrupted = new CliError("stopped (Ctrl-C); nothing was written", EXIT.usage);
    wake(undefined);
  });
  const onAbort = () => {
    interrupted = new CliError("stopped; nothing was written", EXIT.usage);
    wake(undefined);
  };
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const readLine = (question: string): Promise<string> => {
    if (interrupted) return Promise.reject(interrupted);
    if (lines.length > 0) return Promise.resolve(lines.shift()!);
    if (ended) return Promise.reject(new CliError(`input ended at question ${nameOf(question)}`, EXIT.usage));
    return new Promise<string | undefined>((resolve) => {
      waiting = { resolve };
    }).then((line) => {
      if (interrupted) throw interrupted;
      if (line === undefined) throw new CliError(`input ended at question ${nameOf(question)}`, EXIT.usage);
      return line;
    });
  };

  /** Writes the prompt and reads one answer; piped input gets a line break after it (the terminal echoes one). */
  const prompt = async (text: string, question: string, secret = false): Promise<string> => {
    if (terminal && !secret) {
      rl.setPrompt(text);
      rl.prompt();
    } else out.write(text);
    echo.muted = secret && terminal;
    try {
      return await readLine(question);
    } finally {
      echo.muted = false;
      if (!terminal || secret) out.write("\n");
    }
  };

  /** Asks until `parse` accepts an answer; with piped input at most `maxAttempts` times. */
  const loop = async <T>(question: string, text: string, parse: (answer: string) => { value: T } | { problem: string }, secret = false): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      const answer = await prompt(text, question, secret);
      const parsed = parse(answer);
      if ("value" in parsed) return parsed.value;
      if (!terminal && attempt >= maxAttempts) {
        throw new CliError(`no acceptable answer to ${nameOf(question)} after ${attempt} tries (last: ${parsed.problem})`, EXIT.usage);
      }
      out.write(`  ${parsed.problem}\n`);
    }
  };

  const pick = <T extends string>(choices: ReadonlyArray<Choice<T>>, word: string): T | undefined => {
    const w = word.trim().toLowerCase();
    if (/^\d+$/.test(w)) return choices[Number(w) - 1]?.value;
    return choices.find((c) => c.value.toLowerCase() === w || c.label.split(/\s/)[0]!.toLowerCase() === w)?.value;
  };
  const listChoices = <T extends string>(choices: ReadonlyArray<Choice<T>>) => {
    for (const [i, c] of choices.entries()) out.write(`  ${String(i + 1).padStart(2)}) ${c.label}\n`);
  };
  const numberOf = <T extends string>(choices: ReadonlyArray<Choice<T>>, value: T) => choices.findIndex((c) => c.value === value) + 1;

  return {
    ask(question: string, o: AskOptions = {}): Promise<string> {
      const shown = o.default !== undefined && o.default !== "" ? ` [${o.default}]` : "";
      return loop<string>(question, `${question}${shown} `, (raw) => {
        const answer = raw.trim() === "" ? (o.default ?? "") : raw.trim();
        if (answer === "" && !o.allowEmpty) return { problem: "an answer is needed" };
        const problem = answer === "" ? undefined : o.validate?.(answer);
        return problem ? { problem } : { value: answer };
      });
    },
    secret(question: string, o: { allowEmpty?: boolean } = {}): Promise<string> {
      return loop<string>(question, `${question} `, (answer) => (answer === "" && !o.allowEmpty ? { problem: "an answer is needed" } : { value: answer }), true);
    },
    choose<T extends string>(question: string, choices: ReadonlyArray<Choice<T>>, o: { default?: T } = {}): Promise<T> {
      out.write(`${question}\n`);
      listChoices(choices);
      const shown = o.default !== undefined ? ` [${numberOf(choices, o.default)}]` : "";
      return loop<T>(question, `Choice${shown}: `, (raw) => {
        if (raw.trim() === "" && o.default !== undefined) return { value: o.default };
        const value = pick(choices, raw);
        return value !== undefined ? { value } : { problem: `answer with a number from 1 to ${choices.length} or a name` };
      });
    },
    chooseMany<T extends string>(question: string, choices: ReadonlyArray<Choice<T>>, o: { default?: readonly T[] } = {}): Promise<T[]> {
      out.write(`${question}\n`);
      listChoices(choices);
      const shown = o.default !== undefined ? ` [${o.default.length ? o.default.map((d) => numberOf(choices, d)).join(",") : "none"}]` : "";
      return loop<T[]>(question, `Numbers, separated by commas, or none${shown}: `, (raw) => {
        if (raw.trim() === "" && o.default !== undefined) return { value: [...o.default] };
        if (/^(none|-)$/i.test(raw.trim())) return { value: [] };
        const picked: T[] = [];
        for (const word of raw.split(/[\s,]+/).filter(Boolean)) {
          const value = pick(choices, word);
          if (value === undefined) return { problem: `"${word}" is none of 1 to ${choices.length}` };
          if (!picked.includes(value)) picked.push(value);
        }
        return picked.length ? { value: picked } : { problem: "name at least one, or answer none" };
      });
    },
    confirm(question: string, o: { default?: boolean } = {}): Promise<boolean> {
      const shown = o.default === undefined ? " [y/n]" : o.default ? " [Y/n]" : " [y/N]";
      return loop<boolean>(question, `${question}${shown} `, (raw) => {
        const a = raw.trim().toLowerCase();
        if (a === "" && o.default !== undefined) return { value: o.default };
        if (a === "y" || a === "yes") return { value: true };
        if (a === "n" || a === "no") return { value: false };
        return { problem: "answer y or n" };
      });
    },
    note(line) {
      out.write(`${line}\n`);
    },
    close() {
      options.signal?.removeEventListener("abort", onAbort);
      rl.close();
    },
  };
}
