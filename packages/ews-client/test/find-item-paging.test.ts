/**
 * FindItem paging against the simulator over HTTP: a listing is the whole folder or an error, never
 * part of it. Pages after the first overlap the one before by one item, so a folder that changes
 * between pages is noticed and walked again; a page a proxy mangled (attributes gone, items cut, an
 * endless run of pages) is an error naming the page. The mangling is done by a client layer that
 * rewrites the simulator's real responses.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { basicAuth, EwsClient, EwsProtocolError, type EwsLayer, type ParsedItem } from "@ewsdav/ews-client";
import { startEwsSimulator, type EwsSimulator } from "@ewsdav/ews-simulator";

const USER = "alice@example.com";

describe("FindItem paging", () => {
  let sim: EwsSimulator;
  let folderId: string;
  const clients: EwsClient[] = [];
  const client = (layer?: EwsLayer) => {
    const c = new EwsClient({ url: sim.url, auth: basicAuth({ username: USER, password: "secret" }), mailbox: USER, retry: false, ...(layer ? { layers: [layer] } : {}) });
    clients.push(c);
    return c;
  };
  /** A layer that rewrites the body of FindItem responses. */
  const rewrite = (edit: (body: string, call: number) => string): EwsLayer => {
    let call = 0;
    return (next) => async (request) => {
      const response = await next(request);
      return request.operation === "FindItem" ? { ...response, body: edit(response.body, ++call) } : response;
    };
  };
  const ids = (items: ParsedItem[]) => items.map((i) => (i.type === "Unsupported" ? i.itemId?.id : i.item.itemId?.id));

  beforeAll(async () => {
    sim = await startEwsSimulator({ record: false });
    const box = sim.mailbox(USER);
    folderId = box.createFolder("msgfolderroot", "Paging", "IPF.Contact").id;
    for (let i = 0; i < 10; i++) box.createItem(folderId, `<Contact><GivenName>P${i}</GivenName></Contact>`);
  });
  afterAll(async () => {
    for (const c of clients) await c.close();
    await sim?.stop();
  });

  it("lists every item once, in the order asked for, over overlapping pages", async () => {
    const before = sim.requestCount("FindItem");
    const items = await client().findItem({ folder: { id: folderId }, pageSize: 4, sortOrder: [{ path: { fieldUri: "item:DateTimeCreated" } }] });
    expect(new Set(ids(items)).size).toBe(10);
    expect(ids(items)).toEqual(sim.mailbox(USER).items(folderId).map((i) => i.id));
    // 4 + 3 + 3: each page after the first starts with the last item of the one before.
    expect(sim.requestCount("FindItem") - before).toBe(3);
  });

  it("refuses a page without IncludesLastItemInRange, RootFolder or Items, and a page that announces more but brings none", async () => {
    const cases: Array<[string, (body: string, call: number) => string, RegExp]> = [
      ["IncludesLastItemInRange missing", (b) => b.replace(/ IncludesLastItemInRange="[^"]*"/, ""), /offset 0: IncludesLastItemInRange is missing/],
      ["RootFolder missing", (b) => b.replace(/<m:RootFolder[^>]*>[\s\S]*<\/m:RootFolder>/, ""), /offset 0: no RootFolder/],
      ["Items missing", (b) => b.replace(/<t:Items>[\s\S]*<\/t:Items>/, ""), /offset 0: no Items/],
      ["more announced, none brought", (b, n) => (n === 2 ? b.replace(/<t:Items>[\s\S]*<\/t:Items>/, "<t:Items></t:Items>") : b), /more items are announced but the page brings none|no longer the one listed/],
    ];
    for (const [name, edit, message] of cases) {
      const error = await client(rewrite(edit)).findItem({ folder: { id: folderId }, pageSize: 4, maxRestarts: 0 }).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(EwsProtocolError);
      expect((error as Error).message, name).toMatch(message);
    }
  });

  it("a last page whose count does not add up to TotalItemsInView is walked again, then refused", async () => {
    const lying = rewrite((b) => b.replace(/TotalItemsInView="\d+"/, 'TotalItemsInView="11"'));
    const error = await client(lying).findItem({ folder: { id: folderId }, pageSize: 4, maxRestarts: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EwsProtocolError);
    expect((error as Error).message).toMatch(/changed during each of 2 walks.*10 items listed of TotalItemsInView 11/);
  });

  it("stops at maxPages with an error instead of a partial listing", async () => {
    const error = await client().findItem({ folder: { id: folderId }, pageSize: 2, maxPages: 3 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EwsProtocolError);
    expect((error as Error).message).toMatch(/more than 3 pages/);
  });

  it("walks again when items come and go between pages, and lists the folder as it is at the end", async () => {
    const box = sim.mailbox(USER);
    const moving = box.createFolder("msgfolderroot", "Moving", "IPF.Contact").id;
    for (let i = 0; i < 9; i++) box.createItem(moving, `<Contact><GivenName>M${i}</GivenName></Contact>`);
    let call = 0;
    const churn: EwsLayer = (next) => async (request) => {
      if (request.operation === "FindItem" && ++call === 2) box.deleteItem(box.items(moving)[1]!.id);
      return next(request);
    };
    const before = sim.requestCount("FindItem");
    const items = await client(churn).findItem({ folder: { id: moving }, pageSize: 4, sortOrder: [{ path: { fieldUri: "item:DateTimeCreated" } }] });
    expect(new Set(ids(items))).toEqual(new Set(box.items(moving).map((i) => i.id)));
    expect(items).toHaveLength(8);
    expect(sim.requestCount("FindItem") - before).toBeGreaterThan(3); // the first walk was left, a second one made
  });
});
