/** The vCard the DAV benchmarks seed: card `i` of a collection, with a UID, name, email, phone and org. */
export function benchCard(i: number, version: "3.0" | "4.0" = "3.0"): string {
  return [
    "BEGIN:VCARD",
    `VERSION:${version}`,
    `UID:bench-${i}`,
    `FN:Contact ${i}`,
    `N:${i};Contact;;;`,
    `EMAIL;TYPE=work:contact${i}@example.com`,
    `TEL;TYPE=cell:+49 30 ${String(1_000_000 + i)}`,
    "ORG:Example GmbH",
    "END:VCARD",
    "",
  ].join("\r\n");
}
