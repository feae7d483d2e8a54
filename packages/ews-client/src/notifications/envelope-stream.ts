/**
 * Splits a GetStreamingEvents body into its SOAP envelopes as the bytes arrive. Exchange writes one
 * complete envelope per notification or heartbeat into a single chunked response; an envelope may be
 * split across chunks and one chunk may hold several envelopes.
 * @module
 */
import { XmlSecurityError } from "../errors.js";

/**
 * Incremental splitter: push text, take out complete envelopes. An envelope is complete when its
 * root element is closed: the splitter follows the nesting of tags (skipping comments, CDATA
 * sections and quoted attribute values), so a closing tag's name inside a comment or CDATA does not
 * end an envelope early, and an envelope cut short is never handed out, whatever follows it.
 */
export class EnvelopeSplitter {
  #buffer = "";
  /** Where scanning resumes in the buffer. */
  #pos = 0;
  /** Elements open in the envelope being read. */
  #depth = 0;
  /** Start of the envelope being read (when `#depth > 0`). */
  #start = 0;
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
    this.#scan(out);
    // Keep only what is still needed: the envelope being read, or the token not yet complete.
    const keepFrom = this.#depth > 0 ? this.#start : this.#pos;
    if (keepFrom > 0) {
      this.#buffer = this.#buffer.slice(keepFrom);
      this.#pos -= keepFrom;
      this.#start = Math.max(0, this.#start - keepFrom);
    }
    if (this.#buffer.length > this.#maxBuffered) {
      throw new XmlSecurityError("size", `A streaming notification exceeded ${this.#maxBuffered} characters`);
    }
    return out;
  }

  /** Text left over (an incomplete envelope), for diagnostics. */
  get pending(): string {
    return this.#depth > 0 ? this.#buffer.slice(this.#start) : this.#buffer.slice(this.#pos);
  }

  /** True when the bytes so far end inside an envelope (a stream that ends now was cut). */
  get inEnvelope(): boolean {
    return this.#depth > 0 || this.#buffer.slice(this.#pos).trim().length > 0;
  }

  #scan(out: string[]): void {
    const text = this.#buffer;
    const n = text.length;
    let i = this.#pos;
    for (;;) {
      const lt = text.indexOf("<", i);
      if (this.#depth === 0 && text.slice(i, lt < 0 ? n : lt).trim().length > 0) {
        throw new XmlSecurityError("malformed", "Unexpected text between streaming notifications");
      }
      if (lt < 0) {
        i = n;
        break;
      }
      const skipTo = (terminator: string, from: number): number => {
        const end = text.indexOf(terminator, from);
        return end < 0 ? -1 : end + terminator.length;
      };
      let next: number;
      if (text.startsWith("<!--", lt) || (n - lt < 4 && "<!--".startsWith(text.slice(lt)))) {
        next = n - lt < 4 ? -1 : skipTo("-->", lt + 4);
      } else if (text.startsWith("<![CDATA[", lt) || (n - lt < 9 && "<![CDATA[".startsWith(text.slice(lt)))) {
        next = n - lt < 9 ? -1 : skipTo("]]>", lt + 9);
      } else if (text.startsWith("<?", lt)) {
        next = skipTo("?>", lt + 2);
      } else if (text.startsWith("<!", lt)) {
        throw new XmlSecurityError("malformed", "A markup declaration in a streaming notification");
      } else {
        let j = lt + 1;
        let quote = 0;
        for (; j < n; j++) {
          const c = text.charCodeAt(j);
          if (quote !== 0) {
            if (c === quote) quote = 0;
          } else if (c === 34 || c === 39) quote = c;
          else if (c === 62) break; /* '>' */
        }
        if (j >= n) {
          next = -1;
        } else {
          next = j + 1;
          if (text.charCodeAt(lt + 1) === 47 /* '/' */) {
            if (this.#depth === 0) throw new XmlSecurityError("malformed", "A closing tag between streaming notifications");
            this.#depth--;
            if (this.#depth === 0) out.push(text.slice(this.#start, next));
          } else if (text.charCodeAt(j - 1) === 47 /* self-closing */) {
            if (this.#depth === 0) out.push(text.slice(lt, next));
          } else {
            if (this.#depth === 0) this.#start = lt;
            this.#depth++;
          }
        }
      }
      if (next < 0) {
        // The token is not complete yet: resume from its start when more bytes arrive.
        i = lt;
        break;
      }
      i = next;
    }
    this.#pos = i;
  }
}
