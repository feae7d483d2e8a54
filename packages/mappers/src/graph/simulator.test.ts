/**
 * The Graph contact mapper against the Graph simulator over real HTTP: every client fixture
 * written with the mapper's body (POST, then a PATCH of a changed card) and read back (with
 * ewsdav's UID property) comes back onto its card unchanged; every exchange checked against the CSDL.
 */
import { ConcurrencyLimiter, GraphClient } from "@ewsdav/graph-client";
import { checkExchanges, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normalizeVCard } from "../index.js";
import { CONTACT_FIXTURES } from "../contact/client-fixtures.test-support.js";
import { GRAPH_UID_PROPERTY_ID, graphContactFromVCard, graphContactToVCard } from "./index.js";

describe("Graph contacts through the Graph simulator", () => {
  let sim: GraphSimulator;
  let graph: GraphClient;

  beforeAll(async () => {
    sim = await startGraphSimulator({ users: ["alice@example.com"], tokens: { "alice-token": "alice@example.com" } });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "alice-token", baseDelayMs: 1, limiter: new ConcurrencyLimiter(4) });
  });
  afterAll(async () => {
    expect(checkExchanges(sim.requests)).toEqual([]);
    await graph.close();
    await sim.stop();
  });

  it.each(CONTACT_FIXTURES)("$client: written, read back onto the card, changed and written again", async (fixture) => {
    const written = graphContactFromVCard(fixture.text, { skipPhoto: true });
    const made = await graph.createContact(written.contact);
    const read = await graph.getContact(made.id, { extendedProperties: [GRAPH_UID_PROPERTY_ID] });
    const back = graphContactToVCard(read, { basis: fixture.text });
    expect(back.uid).toBe(written.uid);
    expect(normalizeVCard(back.text)).toBe(normalizeVCard(fixture.text));

    // A change on the DAV side: the PATCH body clears what the card no longer says and sets the rest.
    const changed = fixture.text.replace(/\r\n(TITLE[^:]*):[^\r\n]*/, "\r\n$1:Changed on the DAV side").replace(/\r\nNICKNAME[^\r\n]*/, "");
    const update = graphContactFromVCard(changed, { skipPhoto: true });
    await graph.updateContact(made.id, update.contact);
    const again = await graph.getContact(made.id, { extendedProperties: [GRAPH_UID_PROPERTY_ID] });
    expect(again.nickName ?? null).toBeNull();
    expect(normalizeVCard(graphContactToVCard(again, { basis: changed }).text)).toBe(normalizeVCard(changed));
  });
});
