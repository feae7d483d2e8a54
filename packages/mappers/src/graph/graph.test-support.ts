/**
 * Test support for the Graph mappers: what Graph gives back for a body it was sent (the stored
 * resource as a GET returns it), and the CSDL check of every body the mappers make.
 */
import type { GraphContact, GraphContactInput } from "@ewsdav/graph-client";
import { loadGraphSchema, type GraphSchema } from "@ewsdav/graph-simulator";

let schema: GraphSchema | undefined;

/** The CSDL problems of a Graph body as the entity type `type` (an empty list when it conforms). */
export function csdlProblems(type: string, body: unknown): string[] {
  schema ??= loadGraphSchema();
  return schema.check(type, body);
}

/**
 * A contact as Graph returns it after a POST of `input`: the id and change key added, an e-mail
 * address without a name named by its address (Exchange does so), empty strings absent.
 */
export function storedContact(input: GraphContactInput, id = "AAMkAGI2TG93AAA="): GraphContact {
  const out: GraphContact = { ...input, id, changeKey: "EQAAABYAAAA" };
  if (input.emailAddresses) out.emailAddresses = input.emailAddresses.map((e) => ({ name: e.name ?? e.address ?? null, address: e.address ?? null }));
  return out;
}
