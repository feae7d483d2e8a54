/**
 * The JSON Schema of the config file, generated from the zod schema (`z.toJSONSchema`, draft
 * 2020-12) with the title and every field's description, as editors read it. The input side is
 * described: fields with a default are optional.
 * @module
 */
import { z } from "zod";
import { syncConfigSchema } from "./schema.js";

/** The config's JSON Schema (draft 2020-12). */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(syncConfigSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }) as Record<string, unknown>;
}
