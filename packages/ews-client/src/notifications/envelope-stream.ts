/**
 * Splits a GetStreamingEvents body into its SOAP envelopes as the bytes arrive. Exchange writes one
 * complete envelope per notification or heartbeat into a single chunked response; an envelope may be
 * split across chunks and one chunk may hold several envelopes.
 * @module
 */
import { XmlSecurityError } from "../errors.js";

/** Incremental splitter: push text, take out complete envelopes. */
export class EnvelopeSplitter {
  #buffer = "";
  readonly #decoder = new TextDecoder("utf-8");
  readonly #maxBuffered: number;

  /** `maxBuffered`: largest incomplete envelope kept (default 16 MiB); beyond it the stream is refused. */
  constructor(maxBuffered = 16 * 1024 * 1024) {
    this.#maxBuffered = maxBuffered;
  }

  /** Adds bytes and returns every envelope completed by them, in order. */
  push(chunk: Uint8Array): string[] {
    this.#buffer += this.#decoder.decode(chunk, { stream: true });
    const out: string[] = [];
    for (;;) {
      const envelope = this.#next();
      if (envelope === undefined) break;
      out.push(envelope);
    }
    if (this.#buffer.length > this.#maxBuffered) {
      throw new XmlSecurityError("size", `A streaming notification exceeded ${this.#maxBuffered} characters`);
    }
    return out;
  }

  /** Text left over (an incomplete envelope), for diagnostics. */
  get pending(): string {
    return this.#buffer;
  }

  #next(): string | undefined {
    let i = 0;
    const text = this.#buffer;
    // Skip whitespace, XML declarations and comments between envelopes.
    for (;;) {
      while (i < text.length && /\s/.test(text[i]!)) i++;
      if (text.startsWith("<?", i)) {
        const end = text.indexOf("?>", i);
        if (end < 0) return undefined;
        i = end + 2;
        continue;
      }
      if (text.startsWith("<!--", i)) {
        const end = text.indexOf("-->", i);
        if (end < 0) return undefined;
        i = end + 3;
        continue;
      }
      break;
    }
    if (i >= text.length) {
      this.#buffer = "";
      return undefined;
    }
    if (text[i] !== "<") throw new XmlSecurityError("malformed", "Unexpected text between streaming notifications");
    const nameMatch = /^<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)/.exec(text.slice(i, i + 200));
    if (!nameMatch) {
      if (text.length - i < 200) return undefined;
      throw new XmlSecurityError("malformed", "A streaming notification does not start with an element");
    }
    const close = `</${nameMatch[1]}>`;
    const end = text.indexOf(close, i);
    if (end < 0) return undefined;
    const envelope = text.slice(i, end + close.length);
    this.#buffer = text.slice(end + close.length);
    return envelope;
  }
}
