/**
 * Parsing of notifications shaped like Microsoft's documented GetEvents and GetStreamingEvents
 * responses (namespaces, element order and event elements as in the EWS reference; ids are ours).
 */
import { describe, expect, it } from "vitest";
import { parseSoapResponse, responseMessages } from "../soap/response.js";
import { child, children } from "../xml/parse.js";
import { EnvelopeSplitter } from "./envelope-stream.js";
import { parseNotification } from "./messages.js";

const T = "http://schemas.microsoft.com/exchange/services/2006/types";
const M = "http://schemas.microsoft.com/exchange/services/2006/messages";

const GET_EVENTS =
  `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">` +
  `<soap:Header><t:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11" xmlns:t="${T}"/></soap:Header>` +
  `<soap:Body><GetEventsResponse xmlns:m="${M}" xmlns:t="${T}" xmlns="${M}"><m:ResponseMessages><m:GetEventsResponseMessage ResponseClass="Success">` +
  `<m:ResponseCode>NoError</m:ResponseCode><m:Notification><t:SubscriptionId>dwBhAHMAaAAtAGUAeA==</t:SubscriptionId>` +
  `<t:PreviousWatermark>AAAAAHgGAAAAAAAAAQ==</t:PreviousWatermark><t:MoreEvents>true</t:MoreEvents>` +
  `<t:NewMailEvent><t:Watermark>AAAAAIUGAAAAAAAAAQ==</t:Watermark><t:TimeStamp>2026-03-02T10:00:00Z</t:TimeStamp>` +
  `<t:ItemId Id="AAMkNEW=" ChangeKey="CQAAAA=="/><t:ParentFolderId Id="AAMkINBOX=" ChangeKey="AQAAAA=="/></t:NewMailEvent>` +
  `<t:MovedEvent><t:Watermark>AAAAAIYGAAAAAAAAAQ==</t:Watermark><t:TimeStamp>2026-03-02T10:00:01Z</t:TimeStamp>` +
  `<t:ItemId Id="AAMkMOVED=" ChangeKey="CQAAAB=="/><t:ParentFolderId Id="AAMkDELETED=" ChangeKey="AQAAAB=="/>` +
  `<t:OldItemId Id="AAMkOLD=" ChangeKey="CQAAAC=="/><t:OldParentFolderId Id="AAMkCONTACTS=" ChangeKey="AQAAAC=="/></t:MovedEvent>` +
  `<t:ModifiedEvent><t:Watermark>AAAAAIcGAAAAAAAAAQ==</t:Watermark><t:TimeStamp>2026-03-02T10:00:02Z</t:TimeStamp>` +
  `<t:FolderId Id="AAMkINBOX=" ChangeKey="AQAAAD=="/><t:ParentFolderId Id="AAMkROOT=" ChangeKey="AQAAAE=="/><t:UnreadCount>3</t:UnreadCount></t:ModifiedEvent>` +
  `<t:StatusEvent><t:Watermark>AAAAAIgGAAAAAAAAAQ==</t:Watermark></t:StatusEvent>` +
  `</m:Notification></m:GetEventsResponseMessage></m:ResponseMessages></GetEventsResponse></soap:Body></soap:Envelope>`;

const streamingEnvelope = (body: string) =>
  `<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><soap11:Header xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/">` +
  `<ServerVersionInfo xmlns="${T}" MajorVersion="15" MinorVersion="2" MajorBuildNumber="1118" MinorBuildNumber="7" Version="V2017_07_11"/></soap11:Header>` +
  `<soap11:Body xmlns:soap11="http://schemas.xmlsoap.org/soap/envelope/"><m:GetStreamingEventsResponse xmlns:m="${M}" xmlns:t="${T}"><m:ResponseMessages>` +
  `<m:GetStreamingEventsResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode>${body}</m:GetStreamingEventsResponseMessage>` +
  `</m:ResponseMessages></m:GetStreamingEventsResponse></soap11:Body></Envelope>`;

describe("notifications shaped like Microsoft's samples", () => {
  it("reads a GetEvents notification: watermarks, MoreEvents, NewMail, Moved (old ids), folder Modified, Status", () => {
    const response = parseSoapResponse(GET_EVENTS, 200);
    const [message] = responseMessages(response.body, "GetEvents");
    const parsed = parseNotification(child(message!.element, "Notification")!);
    expect(parsed).toMatchObject({ subscriptionId: "dwBhAHMAaAAtAGUAeA==", previousWatermark: "AAAAAHgGAAAAAAAAAQ==", moreEvents: true });
    expect(parsed.events.map((e) => e.type)).toEqual(["NewMail", "Moved", "Modified", "Status"]);
    expect(parsed.events[0]).toMatchObject({ watermark: "AAAAAIUGAAAAAAAAAQ==", itemId: { id: "AAMkNEW=" }, parentFolderId: { id: "AAMkINBOX=" } });
    expect(parsed.events[1]).toMatchObject({ itemId: { id: "AAMkMOVED=" }, oldItemId: { id: "AAMkOLD=", changeKey: "CQAAAC==" }, oldParentFolderId: { id: "AAMkCONTACTS=" } });
    expect(parsed.events[2]).toMatchObject({ folderId: { id: "AAMkINBOX=" }, itemId: undefined, unreadCount: 3 });
    expect(parsed.events[3]).toMatchObject({ watermark: "AAAAAIgGAAAAAAAAAQ==", timeStamp: undefined });
  });

  it("reads several streaming envelopes from one chunked body: events, a heartbeat, and ConnectionStatus Closed", () => {
    const events =
      `<m:Notifications><m:Notification><t:SubscriptionId>c3ViLTE=</t:SubscriptionId>` +
      `<t:CreatedEvent><t:TimeStamp>2026-03-02T10:00:00Z</t:TimeStamp><t:ItemId Id="AAMkA=" ChangeKey="CQ=="/><t:ParentFolderId Id="AAMkC=" ChangeKey="AQ=="/></t:CreatedEvent>` +
      `<t:DeletedEvent><t:TimeStamp>2026-03-02T10:00:01Z</t:TimeStamp><t:ItemId Id="AAMkB=" ChangeKey="CR=="/><t:ParentFolderId Id="AAMkC=" ChangeKey="AQ=="/></t:DeletedEvent>` +
      `<t:CopiedEvent><t:TimeStamp>2026-03-02T10:00:02Z</t:TimeStamp><t:ItemId Id="AAMkD=" ChangeKey="CS=="/><t:ParentFolderId Id="AAMkE=" ChangeKey="AR=="/>` +
      `<t:OldItemId Id="AAMkA=" ChangeKey="CQ=="/><t:OldParentFolderId Id="AAMkC=" ChangeKey="AQ=="/></t:CopiedEvent>` +
      `</m:Notification></m:Notifications>`;
    const body = streamingEnvelope(events) + streamingEnvelope("<m:ConnectionStatus>OK</m:ConnectionStatus>") + streamingEnvelope("<m:ConnectionStatus>Closed</m:ConnectionStatus>");
    const bytes = Buffer.from(body);
    const splitter = new EnvelopeSplitter();
    const envelopes = [...splitter.push(bytes.subarray(0, 700)), ...splitter.push(bytes.subarray(700))];
    expect(envelopes).toHaveLength(3);
    const messages = envelopes.map((e) => responseMessages(parseSoapResponse(e, 200).body, "GetStreamingEvents")[0]!);
    const notifications = children(child(messages[0]!.element, "Notifications"), "Notification").map(parseNotification);
    expect(notifications[0]!.events.map((e) => [e.type, e.itemId?.id, e.oldItemId?.id])).toEqual([
      ["Created", "AAMkA=", undefined],
      ["Deleted", "AAMkB=", undefined],
      ["Copied", "AAMkD=", "AAMkA="],
    ]);
    expect(messages.map((m) => child(m.element, "ConnectionStatus")?.text)).toEqual([undefined, "OK", "Closed"]);
  });
});
