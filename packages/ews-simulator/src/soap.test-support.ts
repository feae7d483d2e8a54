/**
 * Helpers for the simulator's own tests: raw SOAP over HTTP (Node's fetch), so the tests do not
 * depend on the client under construction. Test support only (`*.test-support.ts`): not exported
 * from the package and left out of its build.
 */
import { NS_M, NS_T, parseXml, type XmlElement } from "./xml.js";

/** Credentials of the default simulator user. */
export const ALICE = { user: "alice@example.com", password: "secret" };

/** Wraps a body payload (e.g. `<m:GetFolder>…</m:GetFolder>`) in a SOAP 1.1 envelope with the usual EWS headers. */
export function envelope(body: string, header = `<t:RequestServerVersion Version="Exchange2013_SP1"/>`): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:m="${NS_M}" xmlns:t="${NS_T}"><soap:Header>${header}</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`;
}

/** The result of one raw SOAP call. */
export interface SoapResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed response (undefined when the body is empty or not XML). */
  root: XmlElement | undefined;
}

/** Posts a SOAP request (a body payload, or a whole document when `raw`). */
export async function soap(
  url: string,
  body: string,
  options: { user?: string; password?: string; raw?: boolean; header?: string; headers?: Record<string, string> } = {},
): Promise<SoapResult> {
  const user = options.user ?? ALICE.user;
  const password = options.password ?? ALICE.password;
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "text/xml; charset=utf-8",
      Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`,
      ...options.headers,
    },
    body: options.raw ? body : envelope(body, options.header),
  });
  const text = await res.text();
  let root: XmlElement | undefined;
  try {
    root = text ? parseXml(text) : undefined;
  } catch {
    root = undefined;
  }
  return { status: res.status, headers: res.headers, text, root };
}

/** All descendants with a local name, depth first. */
export function findAll(root: XmlElement | undefined, name: string): XmlElement[] {
  const out: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    if (e.name === name) out.push(e);
    e.children.forEach(walk);
  };
  if (root) walk(root);
  return out;
}

/** The first descendant with a local name. */
export function find(root: XmlElement | undefined, name: string): XmlElement | undefined {
  return findAll(root, name)[0];
}

/** Response codes of every response message, in order. */
export function codes(result: SoapResult): string[] {
  return findAll(result.root, "ResponseCode").filter((e) => e.ns === NS_M).map((e) => e.text);
}
