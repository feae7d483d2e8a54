import { describe, expect, it } from "vitest";
import { EwsInputError } from "../errors.js";
import { ntlmAuth, ntlmChallengeOf, parseNtlmUsername } from "./ntlm.js";

describe("NTLM helpers", () => {
  it("splits DOMAIN\\user and keeps a UPN whole", () => {
    expect(parseNtlmUsername("CONTOSO\\alice")).toEqual({ user: "alice", domain: "CONTOSO" });
    expect(parseNtlmUsername("alice@contoso.com")).toEqual({ user: "alice@contoso.com", domain: "" });
    expect(parseNtlmUsername("alice")).toEqual({ user: "alice", domain: "" });
  });
  it("finds the NTLM challenge among joined WWW-Authenticate values", () => {
    expect(ntlmChallengeOf("Negotiate, NTLM TlRMTVNTUAACAAAA==")).toBe("TlRMTVNTUAACAAAA==");
    expect(ntlmChallengeOf("NTLM")).toBeUndefined();
    expect(ntlmChallengeOf('Basic realm="x"')).toBeUndefined();
  });
  it("refuses an empty user name with a typed error naming the field", () => {
    expect(() => ntlmAuth({ username: "", password: "x" })).toThrow(EwsInputError);
    try {
      ntlmAuth({ username: "DOMAIN\\", password: "x" });
    } catch (error) {
      expect((error as EwsInputError).field).toBe("username");
    }
  });
});
