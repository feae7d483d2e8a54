/**
 * One mailbox over both protocols: the EWS simulator and the Graph simulator share its records. A
 * contact made over EWS (with @ewsdav/ews-client) is read over Graph with the same UID extended
 * property (ewsdav's property set and name), and a contact made over Graph is read over EWS with it;
 * a change on one side is a change (a new ChangeKey, the etag) on the other.
 */
import { basicAuth, EwsClient, isEwsError, type Contact, type ExtendedFieldUri, type ItemId } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";
import { checkExchanges, startGraphSimulator, type GraphSimulator } from "@ewsdav/graph-simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConcurrencyLimiter, GraphClient } from "./index.js";

/** ewsdav's UID property, as the EWS side writes it (EWSDAV_UID_PROPERTY of @ewsdav/mappers) … */
const UID_FIELD: ExtendedFieldUri = { propertySetId: "6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71", propertyName: "ewsdav-uid", propertyType: "String" };
/** … and the same property named as Graph names it. */
const UID_GRAPH = "String {6c1f1b53-7d2e-4a8e-9a43-2f1d5e8b0c71} Name ewsdav-uid";

describe("one mailbox over EWS and Graph", () => {
  let ews: EwsSimulator;
  let sim: GraphSimulator;
  let ewsClient: EwsClient;
  let graph: GraphClient;

  beforeAll(async () => {
    ews = await startEwsSimulator();
    sim = await startGraphSimulator({ mailbox: (a) => ews.mailbox(a), tokens: { t: "alice@example.com" } });
    ewsClient = new EwsClient({ url: ews.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
    graph = new GraphClient({ baseUrl: sim.url, getToken: async () => "t", limiter: new ConcurrencyLimiter(4) });
  });
  afterAll(async () => {
    expect(checkExchanges(sim.requests)).toEqual([]);
    await graph.close();
    await sim.stop();
    await ews.stop();
  });

  const readOverEws = async (id: string) => {
    const [result] = await ewsClient.getItem([{ id }], { shape: { baseShape: "AllProperties", additionalProperties: [{ extended: UID_FIELD }] } });
    if (!result || isEwsError(result) || result.type !== "Contact") throw new Error(`not a contact: ${String(result)}`);
    return result.item as Contact;
  };

  it("a contact made over EWS is read over Graph, with the same UID extended property", async () => {
    const [made] = await ewsClient.createItem([{
      type: "Contact",
      item: {
        givenName: "Erin", surname: "Walsh", companyName: "Contoso", emailAddresses: { EmailAddress1: { address: "erin@example.com", name: "Erin" } },
        phoneNumbers: { MobilePhone: "+1 555 0101", HomePhone: "+1 555 0102" }, extendedProperties: [{ fieldUri: UID_FIELD, value: "uid-from-ews" }],
      },
    }], { savedItemFolder: { distinguishedId: "contacts" } });
    if (!made || isEwsError(made)) throw new Error("CreateItem failed");
    const ewsId = (made as ItemId).id;
    const [translated] = await graph.translateExchangeIds([ewsId], "ewsId", "restImmutableEntryId");
    const contact = await graph.getContact(translated!.targetId!, { extendedProperties: [UID_GRAPH] });
    expect(contact).toMatchObject({
      givenName: "Erin", surname: "Walsh", companyName: "Contoso", emailAddresses: [{ address: "erin@example.com", name: "Erin" }],
      mobilePhone: "+1 555 0101", homePhones: ["+1 555 0102"], singleValueExtendedProperties: [{ id: UID_GRAPH, value: "uid-from-ews" }],
    });
    expect(contact.id).not.toBe(ewsId);
    // The delta of the default folder lists it with the same UID.
    const round = await graph.contactsDelta(undefined, undefined);
    expect(round.changed.map((c) => c.id)).toContain(contact.id);
    // A change over EWS is a new etag over Graph.
    const before = await readOverEws(ewsId);
    const [updated] = await ewsClient.updateItem([{ target: made as ItemId, before: { type: "Contact", item: before }, after: { type: "Contact", item: { ...before, jobTitle: "Engineer" } } }]);
    if (!updated || isEwsError(updated)) throw new Error("UpdateItem failed");
    const after = await graph.getContact(contact.id);
    expect(after.jobTitle).toBe("Engineer");
    expect(after["@odata.etag"]).not.toBe(contact["@odata.etag"]);
    const next = await graph.contactsDelta(undefined, round.cursor);
    expect(next.changed.map((c) => c.id)).toEqual([contact.id]);
  });

  it("a contact made over Graph is read over EWS, with the same UID extended property", async () => {
    const made = await graph.createContact({
      givenName: "Gus", surname: "Ortega", businessPhones: ["+1 555 0199"], emailAddresses: [{ address: "gus@example.com", name: "Gus" }],
      homeAddress: { street: "1 Main St", city: "Springfield" }, singleValueExtendedProperties: [{ id: UID_GRAPH, value: "uid-from-graph" }],
    });
    const [asEws] = await graph.translateExchangeIds([made.id], "restImmutableEntryId", "ewsId");
    const contact = await readOverEws(asEws!.targetId!);
    expect(contact).toMatchObject({ givenName: "Gus", surname: "Ortega", displayName: "Gus Ortega" });
    expect(contact.emailAddresses?.EmailAddress1).toMatchObject({ address: "gus@example.com", name: "Gus" });
    expect(contact.phoneNumbers?.BusinessPhone).toBe("+1 555 0199");
    expect(contact.physicalAddresses?.Home).toMatchObject({ street: "1 Main St", city: "Springfield" });
    const uid = contact.extendedProperties?.find((p) => p.fieldUri.propertyName === "ewsdav-uid" && p.fieldUri.propertySetId?.toLowerCase() === UID_FIELD.propertySetId);
    expect(uid?.value).toBe("uid-from-graph");
    // The etag Graph gives is the ChangeKey EWS gives.
    expect(made["@odata.etag"]).toBe(`W/"${contact.itemId!.changeKey}"`);
  });
});
