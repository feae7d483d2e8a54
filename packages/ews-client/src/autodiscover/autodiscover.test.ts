import { describe, expect, it } from "vitest";
import { emailDomain, isParentOrTopLevel, isWithinDomain } from "./policy.js";
import { buildPoxRequest, decodePoxServerVersion, parsePoxResponse } from "./pox.js";
import { buildGetUserSettingsRequest, parseGetUserSettingsResponse } from "./soap.js";

describe("host policy", () => {
  it("accepts the domain and its subdomains only", () => {
    expect(isWithinDomain("example.com", "example.com")).toBe(true);
    expect(isWithinDomain("Autodiscover.Example.COM.", "example.com")).toBe(true);
    expect(isWithinDomain("badexample.com", "example.com")).toBe(false);
    expect(isWithinDomain("example.com.attacker.net", "example.com")).toBe(false);
  });
  it("flags parent domains and top-level domains", () => {
    expect(isParentOrTopLevel("example.com", "mail.example.com")).toBe(true);
    expect(isParentOrTopLevel("com", "example.com")).toBe(true);
    expect(isParentOrTopLevel("localhost", "example.com")).toBe(true);
    expect(isParentOrTopLevel("mail.example.com", "example.com")).toBe(false);
    expect(isParentOrTopLevel("ample.com", "example.com")).toBe(false);
  });
  it("extracts the domain of an address", () => {
    expect(emailDomain("Alice@Example.COM")).toBe("example.com");
    expect(emailDomain("alice")).toBeUndefined();
    expect(emailDomain("alice@")).toBeUndefined();
    expect(emailDomain("alice@exa mple.com")).toBeUndefined();
  });
});

describe("POX", () => {
  it("decodes ServerVersion as documented (738180DA is 14.1.218)", () => {
    expect(decodePoxServerVersion("738180DA")).toEqual({ majorVersion: 14, minorVersion: 1, majorBuildNumber: 218 });
    expect(decodePoxServerVersion("nothex")).toBeUndefined();
  });
  it("escapes the address in the request", () => {
    expect(buildPoxRequest("a&b@example.com")).toContain("<EMailAddress>a&amp;b@example.com</EMailAddress>");
  });
  it("parses a documented-style settings response with EXCH and EXPR sections", () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">
  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">
    <User><DisplayName>Mara</DisplayName><AutoDiscoverSMTPAddress>mara@contoso.com</AutoDiscoverSMTPAddress></User>
    <Account>
      <AccountType>email</AccountType>
      <Action>settings</Action>
      <Protocol><Type>EXCH</Type><Server>mail.contoso.com</Server><ServerVersion>738180DA</ServerVersion>
        <EwsUrl>https://mail.contoso.com/EWS/Exchange.asmx</EwsUrl><TTL>1</TTL></Protocol>
      <Protocol><Type>EXPR</Type><Server>ex.contoso.com</Server><EwsUrl>https://ex.contoso.com/EWS/Exchange.asmx</EwsUrl></Protocol>
    </Account>
  </Response>
</Autodiscover>`;
    expect(parsePoxResponse(xml)).toEqual({
      kind: "settings",
      internalEwsUrl: "https://mail.contoso.com/EWS/Exchange.asmx",
      externalEwsUrl: "https://ex.contoso.com/EWS/Exchange.asmx",
      serverVersion: { majorVersion: 14, minorVersion: 1, majorBuildNumber: 218 },
      ttlHours: 1,
    });
  });
  it("refuses a response with a DOCTYPE", () => {
    expect(() => parsePoxResponse(`<!DOCTYPE x [<!ENTITY a "b">]><Autodiscover/>`)).toThrow(/DOCTYPE/);
  });
});

describe("SOAP GetUserSettings", () => {
  it("builds the documented request shape", () => {
    const xml = buildGetUserSettingsRequest("u@contoso.com", new URL("https://contoso.com/autodiscover/autodiscover.svc"), ["ExternalEwsUrl"]);
    expect(xml).toContain("<a:RequestedServerVersion>Exchange2010</a:RequestedServerVersion>");
    expect(xml).toContain("<wsa:Action>http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings</wsa:Action>");
    expect(xml).toContain("<a:Mailbox>u@contoso.com</a:Mailbox>");
    expect(xml).toContain("<a:Setting>ExternalEwsUrl</a:Setting>");
  });
  it("parses a response shaped like Microsoft's sample", () => {
    const xml = `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:a="http://www.w3.org/2005/08/addressing">
  <s:Header>
    <a:Action s:mustUnderstand="1">http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettingsResponse</a:Action>
    <h:ServerVersionInfo xmlns:h="http://schemas.microsoft.com/exchange/2010/Autodiscover" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
      <h:MajorVersion>14</h:MajorVersion><h:MinorVersion>0</h:MinorVersion><h:MajorBuildNumber>639</h:MajorBuildNumber>
      <h:MinorBuildNumber>21</h:MinorBuildNumber><h:Version>Exchange2010</h:Version>
    </h:ServerVersionInfo>
  </s:Header>
  <s:Body>
    <GetUserSettingsResponseMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover">
      <Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance">
        <ErrorCode>NoError</ErrorCode><ErrorMessage />
        <UserResponses>
          <UserResponse>
            <ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage><RedirectTarget i:nil="true" /><UserSettingErrors />
            <UserSettings>
              <UserSetting i:type="StringSetting"><Name>ExternalEwsUrl</Name><Value>https://mail.contoso.com/ews/exchange.asmx</Value></UserSetting>
              <UserSetting i:type="StringSetting"><Name>CasVersion</Name><Value>14.00.0639.021</Value></UserSetting>
            </UserSettings>
          </UserResponse>
        </UserResponses>
      </Response>
    </GetUserSettingsResponseMessage>
  </s:Body>
</s:Envelope>`;
    const outcome = parseGetUserSettingsResponse(xml);
    expect(outcome).toMatchObject({
      kind: "settings",
      settings: { ExternalEwsUrl: "https://mail.contoso.com/ews/exchange.asmx", CasVersion: "14.00.0639.021" },
      serverVersion: { majorVersion: 14, minorVersion: 0, majorBuildNumber: 639, minorBuildNumber: 21, version: "Exchange2010" },
    });
  });
  it("reads RedirectAddress and RedirectUrl", () => {
    const wrap = (code: string, target: string) =>
      `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetUserSettingsResponseMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover"><Response><ErrorCode>NoError</ErrorCode><UserResponses><UserResponse><ErrorCode>${code}</ErrorCode><RedirectTarget>${target}</RedirectTarget></UserResponse></UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>`;
    expect(parseGetUserSettingsResponse(wrap("RedirectAddress", "x@y.com"))).toEqual({ kind: "redirect-address", email: "x@y.com" });
    expect(parseGetUserSettingsResponse(wrap("RedirectUrl", "https://y.com/a.svc"))).toEqual({ kind: "redirect-url", url: "https://y.com/a.svc" });
    expect(parseGetUserSettingsResponse(wrap("InvalidUser", ""))).toMatchObject({ kind: "error", errorCode: "InvalidUser" });
  });
});
