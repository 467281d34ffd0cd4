/**
 * The character set of an HTML document: a byte-order mark first, then the HTTP `Content-Type`
 * header, then a `<meta charset>` or `<meta http-equiv="Content-Type">` in the first 4 KiB
 * (the order of the WHATWG encoding sniffing algorithm). Labels are resolved by `TextDecoder`,
 * so `gb2312` decodes as GBK and `big5-hkscs` as Big5, as browsers do. With none of these, the
 * guessing step: UTF-8 if the bytes are valid UTF-8, else GB18030 (a superset of GBK and GB2312,
 * the usual undeclared charset of Chinese crawls) if they are valid there, else Big5, else UTF-8
 * with U+FFFD for the invalid bytes (`from: 'sniffed'` or `'default'`).
 */

// `\s*(?:["']\s*)?` rather than `\s*["']?\s*`: two runs of spaces with nothing required between
// them split a run of tabs every possible way, quadratic on a hostile header (issue #10).
const META_CHARSET = /<meta\b[^>]*?\bcharset\s*=\s*(?:["']\s*)?([A-Za-z0-9._:-]+)/i;
const HEADER_CHARSET = /;\s*charset\s*=\s*(?:["']\s*)?([A-Za-z0-9._:-]+)/i;

/** The `charset` parameter of a `Content-Type` value, or undefined. */
export function charsetOfContentType(contentType: string | null | undefined): string | undefined {
  if (!contentType) return undefined;
  return HEADER_CHARSET.exec(contentType)?.[1];
}

/** A decoder for a label, or undefined when `TextDecoder` does not know it. */
function decoderFor(label: string): InstanceType<typeof TextDecoder> | undefined {
  try {
    return new TextDecoder(label);
  } catch {
    return undefined;
  }
}

/** How an HTML document was decoded. */
export interface DecodedHtml {
  html: string;
  /** The WHATWG name of the encoding used (`utf-8`, `gbk`, `gb18030`, `big5`, ...). */
  charset: string;
  /** Where it came from: `bom`, `header`, `meta`, `sniffed` (a guess that decoded without error) or `default`. */
  from: 'bom' | 'header' | 'meta' | 'sniffed' | 'default';
}

/** Decode HTML bytes (see the module comment for the order); invalid bytes become U+FFFD. */
export function decodeHtml(bytes: Uint8Array, contentType?: string | null): DecodedHtml {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { html: new TextDecoder('utf-8').decode(bytes.subarray(3)), charset: 'utf-8', from: 'bom' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { html: new TextDecoder('utf-16le').decode(bytes.subarray(2)), charset: 'utf-16le', from: 'bom' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { html: new TextDecoder('utf-16be').decode(bytes.subarray(2)), charset: 'utf-16be', from: 'bom' };
  const fromHeader = charsetOfContentType(contentType);
  let d = fromHeader === undefined ? undefined : decoderFor(fromHeader);
  let from: DecodedHtml['from'] = 'header';
  if (d === undefined) {
    // The head is ASCII-compatible in every charset meant here: read it as Latin-1 to find <meta>.
    const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, 4096)).toString('latin1');
    const label = META_CHARSET.exec(head)?.[1];
    d = label === undefined ? undefined : decoderFor(label);
    from = 'meta';
  }
  // A page that says UTF-16 in a <meta> is not UTF-16 (it would not be readable as ASCII): UTF-8.
  if (d !== undefined && from === 'meta' && d.encoding.startsWith('utf-16')) d = undefined;
  if (d === undefined) return guess(bytes);
  return { html: d.decode(bytes), charset: d.encoding, from };
}

/** The charsets tried, in order, for a page that declares none (see the module comment). */
const GUESSES = ['utf-8', 'gb18030', 'big5'];

/** Decode undeclared bytes with the first charset in GUESSES that takes them without an error. */
function guess(bytes: Uint8Array): DecodedHtml {
  for (const label of GUESSES) {
    try {
      const html = new TextDecoder(label, { fatal: true }).decode(bytes);
      return { html, charset: label, from: label === 'utf-8' ? 'default' : 'sniffed' };
    } catch {
      // not this one
    }
  }
  return { html: new TextDecoder('utf-8').decode(bytes), charset: 'utf-8', from: 'default' };
}
