import { describe, expect, it } from "vitest";
import { basicAuth } from "./auth/basic.js";
import { bearerAuth } from "./auth/bearer.js";
import { EwsClient } from "./client.js";
import { EwsResponseError, HttpError, InvalidSyncStateError, SoapFaultError, TransportError, XmlSecurityError, AbortedError } from "./errors.js";
import type { CalendarItem } from "./model/calendar-item.js";
import type { Contact } from "./model/contact.js";
import type { RetryEvent } from "./transport/retry-layer.js";
import type { EwsHttpRequest, EwsHttpResponse } from "./transport/types.js";
import {
  findFolderPage,
  GET_ITEM_CONTACT_AND_MISSING,
  GET_ITEM_RECURRING_MASTER,
  INVALID_SYNC_STATE,
  SCHEMA_VALIDATION_FAULT,
  serverBusyFault,
  SYNC_FOLDER_ITEMS_PAGE,
} from "./testdata/responses.test-support.js";

type Reply = EwsHttpResponse | Error;
const xml = (body: string, status = 200, headers: Record<string, string> = {}): EwsHttpResponse => ({
  status,
  headers: { "content-type": "text/xml; charset=utf-8", ...headers },
  body,
});

/**
 * A client whose transport answers from a script and records requests. The request version is
 * fixed (no negotiation probe) unless the options say `version: undefined`.
 */
function scripted(replies: Reply[], options: Partial<ConstructorParameters<typeof EwsClient>[0]> = {}) {
  const requests: EwsHttpRequest[] = [];
  const client = new EwsClient({
    url: "https://mail.contoso.example/EWS/Exchange.asmx",
    version: "Exchange2010_SP2",
    retry: { baseDelayMs: 1, maxDelayMs: 5, random: () => 0 },
    ...options,
    send: async (request) => {
      requests.push(structuredClone({ ...request, signal: undefined }));
      const next = replies.shift();
      if (!next) throw new Error("script exhausted");
      if (next instanceof Error) throw next;
      return next;
    },
  });
  return { client, requests };
}

describe("parsing responses shaped like Microsoft's samples", () => {
  it("reads a SyncFolderItems page with every kind of change, and ServerVersionInfo", async () => {
    const { client } = scripted([xml(SYNC_FOLDER_ITEMS_PAGE)]);
    const versions: unknown[] = [];
    client.on("serverVersion", (v) => versions.push(v));
    const page = await client.syncFolderItems({ folder: { distinguishedId: "contacts" } });
    expect(page.includesLastItemInRange).toBe(false);
    expect(page.syncState).toMatch(/^H4sI/);
    expect(page.changes.map((c) => [c.type, c.itemId.id])).toEqual([
      ["Create", "AAMkADc1="],
      ["Update", "AAMkADc2="],
      ["Delete", "AAMkADc3="],
      ["ReadFlagChange", "AAMkADc4="],
      ["Create", "AAMkADc5="],
    ]);
    const update = page.changes[1]!;
    expect(update.type === "Update" && update.item).toEqual({ type: "Contact", item: { itemId: { id: "AAMkADc2=", changeKey: "EQAAABYAAAA2" }, subject: "Second" } });
    const dl = page.changes[4]!;
    expect(dl.type === "Create" && dl.item.type).toBe("Unsupported");
    expect(client.serverVersion).toEqual({ majorVersion: 15, minorVersion: 1, majorBuildNumber: 2507, minorBuildNumber: 6, version: "V2017_07_11" });
    expect(versions).toHaveLength(1);
  });

  it("reads a GetItem batch with one contact and one ErrorItemNotFound, in order", async () => {
    const { client } = scripted([xml(GET_ITEM_CONTACT_AND_MISSING)]);
    const [first, second] = await client.getItem([{ id: "AAMkCONTACT=" }, { id: "gone" }]);
    expect(second).toBeInstanceOf(EwsResponseError);
    expect(second).toMatchObject({ responseCode: "ErrorItemNotFound", index: 1, responseClass: "Error", operation: "GetItem", code: "ErrorItemNotFound" });
    expect(first).toMatchObject({ type: "Contact" });
    const contact = (first as { item: Contact }).item;
    expect(contact).toMatchObject({
      itemId: { id: "AAMkCONTACT=", changeKey: "EQAAABYAAADK" },
      body: { bodyType: "Text", value: "Met at the <conference> & dinner" },
      title: "Ms.",
      givenName: "Jane",
      middleName: "Quincy",
      surname: "Public",
      generation: "III",
      emailAddresses: { EmailAddress1: { address: "jane@contoso.example", name: "Jane (Contoso)", routingType: "SMTP", mailboxType: "Contact" } },
      phoneNumbers: { BusinessPhone: "+1 425 555 0100", MobilePhone: "+1 425 555 0101" },
      physicalAddresses: { Business: { street: "1 Microsoft Way", city: "Redmond", state: "WA", countryOrRegion: "USA", postalCode: "98052" } },
      imAddresses: { ImAddress1: "sip:jane@contoso.example" },
      birthday: "1980-02-29T12:00:00Z",
      children: ["Tim"],
      postalAddressIndex: "Business",
      hasPicture: true,
      categories: ["Clients"],
      extendedProperties: [{ fieldUri: { propertySetId: "c11ff724-aa03-4555-9952-8fa248a11c3e", propertyName: "ewsdav-uid", propertyType: "String" }, value: "uid-jane" }],
      attachments: [{ kind: "file", name: "ContactPicture.jpg", isContactPhoto: true, size: 2048, contentType: "image/jpeg", attachmentId: { id: "AAMkATT=" } }],
    });
    expect(contact.emailAddresses?.EmailAddress2).toBeUndefined();
    expect(contact.phoneNumbers?.HomePhone).toBeUndefined();
  });

  it("reads a recurring master with occurrences, attendees and a full time zone", async () => {
    const { client } = scripted([xml(GET_ITEM_RECURRING_MASTER)]);
    const [result] = await client.getItem([{ id: "AAMkMASTER=" }]);
    const event = (result as { item: CalendarItem }).item;
    expect(event.calendarItemType).toBe("RecurringMaster");
    expect(event.recurrence).toEqual({
      pattern: { kind: "WeeklyRecurrence", interval: 1, daysOfWeek: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"], firstDayOfWeek: "Monday" },
      range: { kind: "NumberedRecurrence", startDate: "2026-01-05+01:00", numberOfOccurrences: 20 },
    });
    expect(event.modifiedOccurrences).toEqual([{ itemId: { id: "AAMkOCC3=", changeKey: "DwAAAB3" }, start: "2026-01-07T09:00:00Z", end: "2026-01-07T09:15:00Z", originalStart: "2026-01-07T08:00:00Z" }]);
    expect(event.deletedOccurrences).toEqual([{ start: "2026-01-08T08:00:00Z" }]);
    expect(event.firstOccurrence?.itemId.id).toBe("AAMkOCC1=");
    expect(event.organizer).toEqual({ name: "Alice", emailAddress: "alice@contoso.example", routingType: "SMTP", mailboxType: "Mailbox" });
    expect(event.requiredAttendees).toEqual([{ mailbox: { name: "Bob", emailAddress: "bob@contoso.example", routingType: "SMTP" }, responseType: "Accept", lastResponseTime: "2026-01-02T09:00:00Z" }]);
    expect(event.startTimeZone?.periods).toHaveLength(2);
    expect(event.startTimeZone?.transitionsGroups?.[0]?.transitions[1]).toEqual({
      kind: "RecurringDayTransition",
      to: { kind: "Period", value: "trule:Microsoft/Registry/W. Europe Standard Time/2006-Standard" },
      timeOffset: "PT3H",
      month: 10,
      dayOfWeek: "Sunday",
      occurrence: -1,
    });
    expect(event.startTimeZone?.transitions).toEqual({ transitions: [{ kind: "Transition", to: { kind: "Group", value: "0" } }] });
    expect(event.endTimeZone).toEqual({ id: "W. Europe Standard Time", name: "(UTC+01:00) Amsterdam, Berlin" });
    expect(event.body?.value).toBe("<html><body>Daily</body></html>");
  });

  it("pages FindFolder with IndexedPageFolderView offsets", async () => {
    const { client, requests } = scripted([xml(findFolderPage(0)), xml(findFolderPage(1))]);
    const folders = await client.findFolder({ folderClass: "IPF.Contact" });
    expect(folders.map((f) => [f.kind, f.displayName, f.folderClass])).toEqual([
      ["ContactsFolder", "Contacts", "IPF.Contact"],
      ["ContactsFolder", "Team & Partners", "IPF.Contact"],
    ]);
    expect(requests[1]!.body).toContain('Offset="1"');
  });

  it("turns ErrorInvalidSyncStateData into InvalidSyncStateError", async () => {
    const { client } = scripted([xml(INVALID_SYNC_STATE)]);
    const error = await client.syncFolderItems({ folder: { distinguishedId: "contacts" }, syncState: "bad" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidSyncStateError);
    expect(error).toBeInstanceOf(EwsResponseError);
    expect((error as InvalidSyncStateError).responseCode).toBe("ErrorInvalidSyncStateData");
  });

  it("turns a schema validation fault into SoapFaultError", async () => {
    const { client } = scripted([xml(SCHEMA_VALIDATION_FAULT, 500)]);
    const error = (await client.getFolder([{ distinguishedId: "contacts" }]).catch((e: unknown) => e)) as SoapFaultError;
    expect(error).toBeInstanceOf(SoapFaultError);
    expect(error.responseCode).toBe("ErrorSchemaValidation");
    expect(error.faultCode).toBe("a:ErrorSchemaValidation");
    expect(error.status).toBe(500);
  });

  it("reads the EWS code from the faultcode when a fault has no detail, and leaves generic SOAP codes alone", async () => {
    const fault = (code: string) =>
      `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>` +
      `<faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">${code}</faultcode><faultstring xml:lang="en-US">x</faultstring></s:Fault></s:Body></s:Envelope>`;
    const { client, requests } = scripted([xml(fault("a:ErrorServerBusy"), 500), xml(findFolderPage(1))]);
    await client.findFolder();
    expect(requests).toHaveLength(2);
    const generic = scripted([xml(fault("s:Client"), 500)]);
    const error = (await generic.client.findFolder().catch((e: unknown) => e)) as SoapFaultError;
    expect(error).toBeInstanceOf(SoapFaultError);
    expect(error.responseCode).toBeUndefined();
    expect(generic.requests).toHaveLength(1);
  });

  it("refuses a hostile response with XmlSecurityError", async () => {
    const { client } = scripted([xml(`<?xml version="1.0"?><!DOCTYPE s [<!ENTITY x SYSTEM "file:///etc/passwd">]><s:Envelope xmlns:s="x"><s:Body>&x;</s:Body></s:Envelope>`)]);
    await expect(client.getFolder([{ distinguishedId: "contacts" }])).rejects.toBeInstanceOf(XmlSecurityError);
  });
});

describe("retries", () => {
  it("retries ErrorServerBusy honouring BackOffMilliseconds, emitting an event per retry", async () => {
    const { client, requests } = scripted([xml(serverBusyFault(30), 500), xml(serverBusyFault(20), 500), xml(findFolderPage(1))]);
    const events: RetryEvent[] = [];
    client.on("retry", (e) => events.push(e));
    await client.findFolder();
    expect(requests).toHaveLength(3);
    expect(events.map((e) => [e.reason, e.serverDelayMs, e.attempt])).toEqual([
      ["server-busy", 30, 1],
      ["server-busy", 20, 2],
    ]);
    expect(events[0]!.delayMs).toBeGreaterThanOrEqual(30);
  });

  it("retries 503 and 429 with Retry-After, then gives up with HttpError after maxAttempts", async () => {
    const { client, requests } = scripted([xml("busy", 503, { "retry-after": "0" }), xml("slow down", 429, { "retry-after": "0" }), xml(findFolderPage(1))]);
    await client.findFolder();
    expect(requests).toHaveLength(3);
    const failing = scripted([503, 503, 503].map((s) => xml("x", s)), { retry: { maxAttempts: 3, baseDelayMs: 1, random: () => 0 } });
    const error = (await failing.client.findFolder().catch((e: unknown) => e)) as HttpError;
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(503);
    expect(failing.requests).toHaveLength(3);
  });

  it("retries a reset read, but never a CreateItem whose request may have reached the server", async () => {
    const reset = () => new TransportError("reset", { transportCode: "ECONNRESET" });
    const read = scripted([reset(), xml(findFolderPage(1))]);
    await read.client.findFolder();
    expect(read.requests).toHaveLength(2);
    const write = scripted([reset()]);
    await expect(write.client.createItem([{ type: "Contact", item: { givenName: "A" } }])).rejects.toBeInstanceOf(TransportError);
    expect(write.requests).toHaveLength(1);
    const refused = scripted([new TransportError("refused", { transportCode: "ECONNREFUSED", beforeRequestSent: true }), xml(serverBusyFault(1), 500), xml(CREATE_OK)]);
    const created = await refused.client.createItem([{ type: "Contact", item: { givenName: "A" } }]);
    expect(created).toEqual([{ id: "NEW=", changeKey: "CK" }]);
    expect(refused.requests).toHaveLength(3);
    expect(refused.requests[2]!.body).toContain('<m:CreateItem MessageDisposition="SaveOnly">');
  });

  it("repeats an UpdateItem after a reset, but not one that appends under a policy that may ignore the change key", async () => {
    const reset = () => new TransportError("reset", { transportCode: "ECONNRESET" });
    const a = { mailbox: { emailAddress: "a@contoso.example" } };
    const b = { mailbox: { emailAddress: "b@contoso.example" } };
    const update = [{ target: { id: "E=", changeKey: "K1" }, before: { type: "CalendarItem" as const, item: { requiredAttendees: [a] } }, after: { type: "CalendarItem" as const, item: { requiredAttendees: [a, b] } } }];
    const guarded = scripted([reset(), xml(UPDATE_OK)]);
    expect(await guarded.client.updateItem(update)).toEqual([{ itemId: { id: "E=", changeKey: "K2" }, unchanged: false }]);
    expect(guarded.requests).toHaveLength(2);
    expect(guarded.requests[0]!.body).toContain("<t:AppendToItemField>");
    const overwriting = scripted([reset()]);
    await expect(overwriting.client.updateItem(update, { conflictResolution: "AlwaysOverwrite" })).rejects.toBeInstanceOf(TransportError);
    expect(overwriting.requests).toHaveLength(1);
    const setOnly = scripted([reset(), xml(UPDATE_OK)]);
    const rename = [{ ...update[0]!, after: { type: "CalendarItem" as const, item: { requiredAttendees: [a], subject: "New" } } }];
    await setOnly.client.updateItem(rename, { conflictResolution: "AlwaysOverwrite" });
    expect(setOnly.requests).toHaveLength(2);
  });

  it("stops waiting when the signal aborts", async () => {
    const { client } = scripted([xml(serverBusyFault(60_000), 500)]);
    const controller = new AbortController();
    const pending = client.findFolder({}, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await expect(pending).rejects.toBeInstanceOf(AbortedError);
  });
});

const UPDATE_OK =
  `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:UpdateItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">` +
  `<m:ResponseMessages><m:UpdateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:CalendarItem><t:ItemId Id="E=" ChangeKey="K2"/></t:CalendarItem></m:Items><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults></m:UpdateItemResponseMessage></m:ResponseMessages></m:UpdateItemResponse></s:Body></s:Envelope>`;

const CREATE_OK =
  `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:CreateItemResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">` +
  `<m:ResponseMessages><m:CreateItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Contact><t:ItemId Id="NEW=" ChangeKey="CK"/></t:Contact></m:Items></m:CreateItemResponseMessage></m:ResponseMessages></m:CreateItemResponse></s:Body></s:Envelope>`;

describe("headers and authentication", () => {
  it("sends the SOAP content type, X-AnchorMailbox, an ewsdav User-Agent and Basic credentials in UTF-8", async () => {
    const { client, requests } = scripted([xml(findFolderPage(1))], {
      mailbox: "jörg@contoso.example",
      auth: basicAuth({ username: "CONTOSO\\jörg", password: "pä:ss" }),
    });
    await client.findFolder();
    const h = requests[0]!.headers;
    expect(h["content-type"]).toBe("text/xml; charset=utf-8");
    expect(h["x-anchormailbox"]).toBe("jörg@contoso.example");
    expect(h["user-agent"]).toMatch(/ewsdav/);
    expect(Buffer.from(h.authorization!.slice(6), "base64").toString("utf8")).toBe("CONTOSO\\jörg:pä:ss");
  });

  it("anchors impersonated requests at the impersonated mailbox unless a mailbox is given", async () => {
    const impersonating = scripted([xml(findFolderPage(1))], { impersonation: { primarySmtpAddress: "bob@contoso.example" } });
    await impersonating.client.findFolder();
    expect(impersonating.requests[0]!.headers["x-anchormailbox"]).toBe("bob@contoso.example");
    expect(impersonating.requests[0]!.body).toContain("<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>bob@contoso.example</t:PrimarySmtpAddress>");
    const explicit = scripted([xml(findFolderPage(1))], { impersonation: { principalName: "bob@corp" }, mailbox: "bob@contoso.example" });
    await explicit.client.findFolder();
    expect(explicit.requests[0]!.headers["x-anchormailbox"]).toBe("bob@contoso.example");
  });

  it("gives up on 401 with Basic, with an error that does not carry the password", async () => {
    const { client, requests } = scripted([xml("", 401, { "www-authenticate": "Basic" })], { auth: basicAuth({ username: "u@x", password: "s3cret-pw" }) });
    const error = (await client.findFolder().catch((e: unknown) => e)) as HttpError;
    expect(error.code).toBe("EWS_UNAUTHORIZED");
    expect(requests).toHaveLength(1);
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain("s3cret-pw");
  });

  it("asks the bearer provider before each request and once more, forced, after a 401", async () => {
    const calls: boolean[] = [];
    let n = 0;
    const { client, requests } = scripted([xml("", 401), xml(findFolderPage(1))], {
      auth: bearerAuth(async ({ forceRefresh }) => {
        calls.push(forceRefresh);
        return `token-${++n}`;
      }),
    });
    await client.findFolder();
    expect(calls).toEqual([false, true]);
    expect(requests.map((r) => r.headers.authorization)).toEqual(["Bearer token-1", "Bearer token-2"]);
  });
});

describe("request-level failures of a batch", () => {
  it("put the single error message in every slot, each with its index", async () => {
    const M = 'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages"';
    const body =
      `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetItemResponse ${M}><m:ResponseMessages>` +
      `<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>Mailbox does not exist.</m:MessageText><m:ResponseCode>ErrorNonExistentMailbox</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Items/></m:GetItemResponseMessage>` +
      `</m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>`;
    const { client } = scripted([xml(body)]);
    const results = await client.getItem([{ id: "a" }, { id: "b" }, { id: "c" }]);
    expect(results.map((r) => [(r as EwsResponseError).responseCode, (r as EwsResponseError).index])).toEqual([
      ["ErrorNonExistentMailbox", 0],
      ["ErrorNonExistentMailbox", 1],
      ["ErrorNonExistentMailbox", 2],
    ]);
  });
});

describe("per-item throttling inside a batch", () => {
  const M = 'xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"';
  const ok = (id: string) =>
    `<m:GetItemResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Task><t:ItemId Id="${id}" ChangeKey="ck"/><t:Subject>${id}</t:Subject></t:Task></m:Items></m:GetItemResponseMessage>`;
  const busy =
    `<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>The server cannot service this request right now.</m:MessageText><m:ResponseCode>ErrorServerBusy</m:ResponseCode>` +
    `<m:MessageXml><t:Value Name="BackOffMilliseconds">25</t:Value></m:MessageXml><m:Items/></m:GetItemResponseMessage>`;
  const envelope = (messages: string) =>
    `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetItemResponse ${M}><m:ResponseMessages>${messages}</m:ResponseMessages></m:GetItemResponse></s:Body></s:Envelope>`;

  it("sends only the busy items again after BackOffMilliseconds, keeping input order and indexes", async () => {
    const { client, requests } = scripted([xml(envelope(ok("a") + busy + ok("c") + busy)), xml(envelope(ok("b") + busy)), xml(envelope(ok("d")))]);
    const events: RetryEvent[] = [];
    client.on("retry", (e) => events.push(e));
    const results = await client.getItem([{ id: "a" }, { id: "b" }, { id: "c" }, { id: "d" }]);
    expect(results.map((r) => (r instanceof Error ? r.message : r.type === "Task" ? r.item.subject : "?"))).toEqual(["a", "b", "c", "d"]);
    expect(requests).toHaveLength(3);
    expect(requests[1]!.body).toContain('Id="b"');
    expect(requests[1]!.body).toContain('Id="d"');
    expect(requests[1]!.body).not.toContain('Id="a"');
    expect(events.map((e) => [e.reason, e.serverDelayMs])).toEqual([["server-busy", 25], ["server-busy", 25]]);
  });

  it("leaves ErrorServerBusy in the slot, with its index, when attempts run out", async () => {
    const { client } = scripted([xml(envelope(ok("a") + busy)), xml(envelope(busy))], { retry: { maxAttempts: 2, baseDelayMs: 1 } });
    const results = await client.getItem([{ id: "a" }, { id: "b" }]);
    expect(results[1]).toMatchObject({ responseCode: "ErrorServerBusy", index: 1, backOffMs: 25 });
  });
});
