/**
 * Throughput of the contact and task mappers: contacts/s and tasks/s in both directions
 * (text → EWS item, EWS item → new text, EWS item → merge onto the existing text), plus hashing.
 *
 * Each line gives the wall-clock rate and the CPU time (user + system) of the process while it ran.
 *
 *   npx tsx bench/mappers-contacts-tasks.ts [count]
 */
import { contactFromVCard, contactToVCard, taskFromVTodo, taskToVTodo, vcardHash, vtodoHash } from "@ewsdav/mappers";
import { CONTACT_FIXTURES } from "../packages/mappers/src/contact/client-fixtures.test-support.js";
import { TASK_FIXTURES } from "../packages/mappers/src/task/client-fixtures.test-support.js";

const count = Number(process.argv[2] ?? 5000);

/** N distinct objects from the client-shaped fixtures (a UID and a name that differ per object). */
function corpus(texts: readonly string[], n: number): string[] {
  return Array.from({ length: n }, (_, index) => texts[index % texts.length]!.replace(/^UID:.*$/m, `UID:bench-${index}`).replace(/^(FN|SUMMARY)([;:])(.*)$/m, `$1$2$3 ${index}`));
}

function measure<T>(label: string, inputs: readonly T[], run: (input: T) => unknown): void {
  const unit = label.startsWith("contacts") ? "contacts/s" : "tasks/s";
  for (const input of inputs.slice(0, 200)) run(input); // warm-up
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (const input of inputs) run(input);
  const used = process.cpuUsage(cpu);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuSeconds = (used.user + used.system) / 1e6;
  console.log(`${label.padEnd(44)} ${String(Math.round(inputs.length / seconds)).padStart(8)} ${unit.padEnd(10)} (${inputs.length} in ${seconds.toFixed(2)} s, CPU ${cpuSeconds.toFixed(2)} s = ${Math.round(inputs.length / cpuSeconds)} per CPU s)`);
}

const cards = corpus(CONTACT_FIXTURES.map((fixture) => fixture.text), count);
const todos = corpus(TASK_FIXTURES.map((fixture) => fixture.text), count);
const contacts = cards.map((card) => contactFromVCard(card).item);
const tasks = todos.map((todo) => taskFromVTodo(todo).item);
const pairs = <A, B>(a: readonly A[], b: readonly B[]) => a.map((value, index) => [value, b[index]!] as const);

console.log(`ewsdav mapper benchmark — ${count} objects each, Node ${process.version}`);
console.log(`mean vCard ${Math.round(cards.reduce((sum, card) => sum + card.length, 0) / count)} chars, mean VTODO ${Math.round(todos.reduce((sum, todo) => sum + todo.length, 0) / count)} chars`);
measure("contacts: vCard → EWS (contactFromVCard)", cards, (card) => contactFromVCard(card));
measure("contacts: EWS → new vCard 4.0", contacts, (item) => contactToVCard(item, { version: "4.0" }));
measure("contacts: EWS → merge onto base vCard", pairs(contacts, cards), ([item, base]) => contactToVCard(item, { base }));
measure("contacts: vcardHash", cards, (card) => vcardHash(card));
measure("tasks: VTODO → EWS (taskFromVTodo)", todos, (todo) => taskFromVTodo(todo));
measure("tasks: EWS → new VTODO", tasks, (item) => taskToVTodo(item));
measure("tasks: EWS → merge onto base VTODO", pairs(tasks, todos), ([item, base]) => taskToVTodo(item, { base }));
measure("tasks: vtodoHash", todos, (todo) => vtodoHash(todo));
console.log(`peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`);
