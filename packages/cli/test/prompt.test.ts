/**
 * The prompter over real streams: answers written to its input the way a pipe delivers them (many
 * lines in one chunk, or a line split across chunks), defaults, choices by number or name,
 * bounded re-asking, the end of the input, and a secret kept off the output.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createPrompter } from "../src/prompt.js";

function setup(options: { terminal?: boolean } = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = "";
  output.on("data", (d: Buffer) => (text += d.toString()));
  const prompter = createPrompter({ input, output, terminal: options.terminal ?? false });
  return { input, prompter, output: () => text };
}

describe("prompter", () => {
  it("reads answers that arrive together in one chunk, without losing any", async () => {
    const { input, prompter, output } = setup();
    input.write("alice@example.com\n\n2\nsecret-value\n");
    expect(await prompter.ask("Address:")).toBe("alice@example.com");
    expect(await prompter.ask("State file:", { default: "state.db" })).toBe("state.db");
    expect(await prompter.choose("Sign in?", [{ value: "basic", label: "basic — B" }, { value: "ntlm", label: "ntlm — N" }], { default: "basic" })).toBe("ntlm");
    expect(await prompter.secret("Password:")).toBe("secret-value");
    prompter.close();
    expect(output()).toContain("State file: [state.db] ");
    expect(output()).toContain("   2) ntlm — N\nChoice [1]: ");
    expect(output()).not.toContain("secret-value");
  });

  it("takes a line split across chunks, CRLF endings, and choices by name", async () => {
    const { input, prompter } = setup();
    const answer = prompter.choose("Where?", [{ value: "file", label: "file — F" }, { value: "env", label: "env — E" }]);
    input.write("EN");
    input.write("V\r\n");
    expect(await answer).toBe("env");
    input.write("1, 3 2\n");
    expect(await prompter.chooseMany("Folders?", [{ value: "a", label: "A" }, { value: "b", label: "B" }, { value: "c", label: "C" }])).toEqual(["a", "c", "b"]);
    input.write("none\n\n");
    expect(await prompter.chooseMany("More?", [{ value: "a", label: "A" }], { default: ["a"] })).toEqual([]);
    expect(await prompter.chooseMany("Again?", [{ value: "a", label: "A" }], { default: ["a"] })).toEqual(["a"]);
    prompter.close();
  });

  it("asks again after an invalid answer, and gives up after three with piped input, naming the question", async () => {
    const { input, prompter, output } = setup();
    input.write("maybe\nyes\n");
    expect(await prompter.confirm("Go on?")).toBe(true);
    expect(output()).toContain("  answer y or n\n");
    input.write("9\nzero\nx\n");
    await expect(prompter.choose("Pick one:", [{ value: "a", label: "a" }])).rejects.toMatchObject({
      exitCode: 2,
      message: 'no acceptable answer to "Pick one" after 3 tries (last: answer with a number from 1 to 1 or a name)',
    });
    prompter.close();
  });

  it("ends with exit 2 naming the question when the input ends", async () => {
    const { input, prompter } = setup();
    input.end("first\n");
    expect(await prompter.ask("One:")).toBe("first");
    await expect(prompter.ask("Two?")).rejects.toMatchObject({ exitCode: 2, message: 'input ended at question "Two"' });
    await expect(prompter.secret("Three:")).rejects.toMatchObject({ message: 'input ended at question "Three"' });
  });

  it("does not echo a secret typed on a terminal", async () => {
    const { input, prompter, output } = setup({ terminal: true });
    const name = prompter.ask("Name:");
    input.write("bob\r");
    expect(await name).toBe("bob");
    const secret = prompter.secret("Password:");
    input.write("hunter2\r");
    expect(await secret).toBe("hunter2");
    prompter.close();
    expect(output()).toContain("bob");
    expect(output()).toContain("Password:");
    expect(output()).not.toContain("hunter2");
  });
});
