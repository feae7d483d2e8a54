/**
 * Version negotiation: the version table, and a client against simulators of Exchange 2016,
 * 2013 SP1 and 2010 SP2 over HTTP — it asks with Exchange2010_SP2 until the first response, then
 * with the highest version the server's ServerVersionInfo allows; Gender reaches a 2016 server and
 * is left out for older ones; an explicit `version` wins; the simulator refuses an element newer
 * than the request's version with ErrorSchemaValidation, as Exchange does.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth } from "../auth/basic.js";
import { EwsClient } from "../client.js";
import { SoapFaultError } from "../errors.js";
import {
  EXCHANGE_2010_SP2_VERSION,
  EXCHANGE_2013_SP1_VERSION,
  EXCHANGE_2016_VERSION,
  startEwsSimulator,
  type EwsServerVersionInfo,
  type EwsSimulator,
} from "@ewsdav/ews-simulator";
import { SCHEMA_VALIDATION_FAULT } from "../testdata/responses.test-support.js";
import { requestVersionFor } from "./version.js";

const info = (majorVersion: number, minorVersion: number, majorBuildNumber: number, version?: string) => ({
  majorVersion, minorVersion, majorBuildNumber, minorBuildNumber: 0, ...(version !== undefined ? { version } : {}),
});

describe("requestVersionFor", () => {
  it("maps what servers report to the highest request version both know", () => {
    expect(requestVersionFor(info(15, 1, 2507, "V2017_07_11"))).toBe("Exchange2016");
    expect(requestVersionFor(info(15, 2, 1118, "V2017_07_11"))).toBe("Exchange2016");
    expect(requestVersionFor(info(15, 20, 5000, "V2018_01_08"))).toBe("Exchange2016");
    expect(requestVersionFor(info(15, 0, 847, "Exchange2013_SP1"))).toBe("Exchange2013_SP1");
    expect(requestVersionFor(info(15, 0, 516))).toBe("Exchange2013");
    expect(requestVersionFor(info(15, 0, 1497))).toBe("Exchange2013_SP1");
    expect(requestVersionFor(info(15, 1, 225))).toBe("Exchange2016");
    expect(requestVersionFor(info(14, 3, 123, "Exchange2010_SP2"))).toBe("Exchange2010_SP2");
    expect(requestVersionFor(info(14, 3, 123))).toBe("Exchange2010_SP2");
    expect(requestVersionFor(info(14, 1, 218))).toBe("Exchange2010_SP1");
    expect(requestVersionFor(info(14, 0, 639))).toBe("Exchange2010");
    expect(requestVersionFor(info(8, 3, 83))).toBe("Exchange2007_SP1");
  });
});

const versionOf = (xml: string) => /RequestServerVersion Version="([^"]+)"/.exec(xml)?.[1];

describe.each([
  ["Exchange 2016", EXCHANGE_2016_VERSION, "Exchange2016", true],
  ["Exchange 2013 SP1", EXCHANGE_2013_SP1_VERSION, "Exchange2013_SP1", false],
  ["Exchange 2010 SP2", EXCHANGE_2010_SP2_VERSION, "Exchange2010_SP2", false],
] as Array<[string, EwsServerVersionInfo, string, boolean]>)("negotiating with a simulated %s", (_, serverVersion, expected, genderWritten) => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator({ serverVersion });
  });
  afterAll(() => sim.stop());

  it("probes once before the first write, then writes with the negotiated version", async () => {
    sim.clearExchanges();
    const client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
    expect(client.versionKnown).toBe(false);
    const [created] = await client.createItem([{ type: "Contact", item: { givenName: "Gen", gender: "Female" } }], { savedItemFolder: { distinguishedId: "contacts" } });
    expect(created).toMatchObject({ id: expect.any(String) });
    expect(client.version).toBe(expected);
    expect(client.versionKnown).toBe(true);
    expect(sim.exchanges.map((e) => [e.operation, versionOf(e.requestXml)])).toEqual([
      ["GetFolder", "Exchange2010_SP2"],
      ["CreateItem", expected],
    ]);
    expect(sim.exchanges[1]!.requestXml.includes("<t:Gender>Female</t:Gender>")).toBe(genderWritten);
    // Later calls send no probe.
    await client.createItem([{ type: "Contact", item: { givenName: "Again" } }], { savedItemFolder: { distinguishedId: "contacts" } });
    expect(sim.exchanges.map((e) => e.operation)).toEqual(["GetFolder", "CreateItem", "CreateItem"]);
    await client.close();
  });

  it("learns the version from any first response, without a probe", async () => {
    sim.clearExchanges();
    const client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }) });
    await client.findFolder();
    await client.createItem([{ type: "Contact", item: { givenName: "Gen" } }], { savedItemFolder: { distinguishedId: "contacts" } });
    expect(sim.exchanges.map((e) => [e.operation, versionOf(e.requestXml)])).toEqual([
      ["FindFolder", "Exchange2010_SP2"],
      ["CreateItem", expected],
    ]);
    await client.close();
  });

  it("keeps the default version when the probe is answered with a fault, and still writes", async () => {
    sim.clearExchanges();
    const client = new EwsClient({
      url: sim.url,
      auth: basicAuth({ username: "alice@example.com", password: "secret" }),
      retry: false,
      // A front that refuses GetFolder (as a proxy or a mailbox without a root folder might).
      layers: [(next) => (request) => (request.operation === "GetFolder" ? Promise.resolve({ status: 500, headers: { "content-type": "text/xml" }, body: SCHEMA_VALIDATION_FAULT }) : next(request))],
    });
    const [created] = await client.createItem([{ type: "Contact", item: { givenName: "Fault" } }], { savedItemFolder: { distinguishedId: "contacts" } });
    expect(created).toMatchObject({ id: expect.any(String) });
    expect(client.versionKnown).toBe(true);
    expect(sim.exchanges.map((e) => [e.operation, versionOf(e.requestXml)])).toEqual([["CreateItem", "Exchange2010_SP2"]]);
    await client.close();
  });

  it("keeps an explicit version", async () => {
    sim.clearExchanges();
    const client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), version: "Exchange2010_SP1" });
    await client.findFolder();
    await client.createItem([{ type: "Contact", item: { givenName: "Gen", gender: "Male" } }], { savedItemFolder: { distinguishedId: "contacts" } });
    expect(client.version).toBe("Exchange2010_SP1");
    expect(sim.exchanges.map((e) => versionOf(e.requestXml))).toEqual(["Exchange2010_SP1", "Exchange2010_SP1"]);
    expect(sim.exchanges[1]!.requestXml).not.toContain("Gender");
    await client.close();
  });
});

describe("a client with a fixed version older than the server's", () => {
  let sim: EwsSimulator;
  beforeAll(async () => {
    sim = await startEwsSimulator();
  });
  afterAll(() => sim.stop());


  it("and a client with an old fixed version never sends it", async () => {
    const client = new EwsClient({ url: sim.url, auth: basicAuth({ username: "alice@example.com", password: "secret" }), version: "Exchange2013_SP1", retry: false });
    const update = await client.createItem([{ type: "Contact", item: { givenName: "G", gender: "Female" } }], { savedItemFolder: { distinguishedId: "contacts" } });
    expect(update[0]).not.toBeInstanceOf(SoapFaultError);
    await client.close();
  });
});
