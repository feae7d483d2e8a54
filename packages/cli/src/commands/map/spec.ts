import type { CommandSpec } from "../../cli/spec.js";

/** `ewsdav map`. */
export const spec: CommandSpec = {
  name: "map",
  summary: "Show what vCard or iCalendar files become in Exchange and back",
  description:
    "Prints, as JSON, for every contact, task and event in the files, the EWS item it maps to (for a series also the occurrence operations), the text written back from that item, and what could not be carried either way. Nothing is sent anywhere.",
  options: {
    "time-zone": { type: "string", valueName: "ZONE", description: "the mailbox's IANA time zone for all-day and floating events (default UTC)" },
  },
  positionals: [{ name: "FILE", description: "a .vcf or .ics file", required: true, variadic: true, complete: "file" }],
  examples: [
    { command: "ewsdav map contacts.vcf", description: "what each card becomes as an Exchange contact" },
    { command: "ewsdav map --time-zone Europe/Berlin meeting.ics", description: "an event, with all-day and floating times in Berlin" },
  ],
  load: () => import("./run.js"),
};
