/**
 * Where a JSON text stops being JSON, as a line and column, without quoting any of it.
 * `JSON.parse` messages quote the text around the error (`Unexpected token 'h', ..."assword":
 * hunter2}" is not valid JSON`), and in a config file that text can be a password; this scanner
 * walks the JSON grammar (RFC 8259) and says only where.
 */

/** A position in a text: 1-based line and column (columns count UTF-16 code units). */
export interface TextPosition {
  line: number;
  column: number;
}

/** The 1-based line and column of a 0-based offset in `text` (lines end at LF, CRLF or CR). */
export function positionOf(text: string, offset: number): TextPosition {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * The offset of the first character at which `text` is not a JSON text (its length when it ends
 * too early), or undefined when it is JSON. Nesting is walked with an explicit stack, so deep
 * input cannot overflow the call stack.
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const n = text.length;
  const ws = () => {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const string = (): boolean => {
    if (text[i] !== '"') return false;
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 92) {
        const e = text[i + 1];
        // A bad escape is reported at its backslash.
        if (e === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return false;
      } else i++;
    }
    return false;
  };
  const number = (): boolean => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!match || match[0] === "" || match[0] === "-") return false;
    i += match[0].length;
    return true;
  };
  const literal = (): boolean => {
    for (const word of ["true", "false", "null"]) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return true;
      }
    }
    return false;
  };
  // The stack holds what each open container expects next.
  const stack: Array<"object" | "array"> = [];
  ws();
  for (;;) {
    // A value.
    ws();
    if (text[i] === "{") {
      i++;
      ws();
      if (text[i] === "}") i++;
      else {
        stack.push("object");
        if (!string()) return i;
        ws();
        if (text[i] !== ":") return i;
        i++;
        continue;
      }
    } else if (text[i] === "[") {
      i++;
      ws();
      if (text[i] === "]") i++;
      else {
        stack.push("array");
        continue;
      }
    } else if (text[i] === '"') {
      if (!string()) return i;
    } else if (!(number() || literal())) return i;
    // After a value: close containers, or go on to the next member or element.
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) return i === n ? undefined : i;
      if (text[i] === ",") {
        i++;
        ws();
        if (top === "object") {
          if (!string()) return i;
          ws();
          if (text[i] !== ":") return i;
          i++;
        }
        break;
      }
      if ((top === "object" && text[i] === "}") || (top === "array" && text[i] === "]")) {
        i++;
        stack.pop();
        continue;
      }
      return i;
    }
  }
}
