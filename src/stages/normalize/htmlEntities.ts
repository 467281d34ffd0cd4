import { table } from '../../core/own.js';
import { cp1252Char } from './cp1252.js';

/**
 * Named HTML entities decoded by `decodeEntities`: the ones that occur in scraped text in
 * practice (markup escapes, spaces, quotes and dashes, common symbols, Latin-1 letters), not the
 * full HTML5 list of 2,000+. An unknown name is left as it is.
 */
export const NAMED_ENTITIES: Readonly<Record<string, string>> = table({
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', ensp: '\u2002', emsp: '\u2003',
  thinsp: '\u2009', shy: '\u00ad', zwsp: '\u200b', zwnj: '\u200c', zwj: '\u200d',
  lsquo: '\u2018', rsquo: '\u2019', sbquo: '\u201a', ldquo: '\u201c', rdquo: '\u201d', bdquo: '\u201e',
  laquo: '\u00ab', raquo: '\u00bb', lsaquo: '\u2039', rsaquo: '\u203a',
  ndash: '\u2013', mdash: '\u2014', hellip: '\u2026', middot: '\u00b7', bull: '\u2022', prime: '\u2032', Prime: '\u2033',
  copy: '\u00a9', reg: '\u00ae', trade: '\u2122', deg: '\u00b0', plusmn: '\u00b1', times: '\u00d7', divide: '\u00f7',
  micro: '\u00b5', para: '\u00b6', sect: '\u00a7', cent: '\u00a2', pound: '\u00a3', yen: '\u00a5', euro: '\u20ac',
  curren: '\u00a4', iexcl: '\u00a1', iquest: '\u00bf', ordf: '\u00aa', ordm: '\u00ba', not: '\u00ac', macr: '\u00af',
  sup1: '\u00b9', sup2: '\u00b2', sup3: '\u00b3', frac14: '\u00bc', frac12: '\u00bd', frac34: '\u00be',
  larr: '\u2190', rarr: '\u2192', uarr: '\u2191', darr: '\u2193', harr: '\u2194', le: '\u2264', ge: '\u2265', ne: '\u2260',
  infin: '\u221e', minus: '\u2212', dagger: '\u2020', Dagger: '\u2021', permil: '\u2030',
  Agrave: 'À', Aacute: 'Á', Acirc: 'Â', Atilde: 'Ã', Auml: 'Ä', Aring: 'Å', AElig: 'Æ', Ccedil: 'Ç',
  Egrave: 'È', Eacute: 'É', Ecirc: 'Ê', Euml: 'Ë', Igrave: 'Ì', Iacute: 'Í', Icirc: 'Î', Iuml: 'Ï',
  ETH: 'Ð', Ntilde: 'Ñ', Ograve: 'Ò', Oacute: 'Ó', Ocirc: 'Ô', Otilde: 'Õ', Ouml: 'Ö', Oslash: 'Ø',
  Ugrave: 'Ù', Uacute: 'Ú', Ucirc: 'Û', Uuml: 'Ü', Yacute: 'Ý', THORN: 'Þ', szlig: 'ß',
  agrave: 'à', aacute: 'á', acirc: 'â', atilde: 'ã', auml: 'ä', aring: 'å', aelig: 'æ', ccedil: 'ç',
  egrave: 'è', eacute: 'é', ecirc: 'ê', euml: 'ë', igrave: 'ì', iacute: 'í', icirc: 'î', iuml: 'ï',
  eth: 'ð', ntilde: 'ñ', ograve: 'ò', oacute: 'ó', ocirc: 'ô', otilde: 'õ', ouml: 'ö', oslash: 'ø',
  ugrave: 'ù', uacute: 'ú', ucirc: 'û', uuml: 'ü', yacute: 'ý', thorn: 'þ', yuml: 'ÿ',
  OElig: 'Œ', oelig: 'œ', Scaron: 'Š', scaron: 'š', Yuml: 'Ÿ', fnof: 'ƒ', circ: 'ˆ', tilde: '˜',
  alpha: 'α', beta: 'β', gamma: 'γ', delta: 'δ', epsilon: 'ε', lambda: 'λ', mu: 'μ', pi: 'π', sigma: 'σ', omega: 'ω',
  Alpha: 'Α', Beta: 'Β', Gamma: 'Γ', Delta: 'Δ', Sigma: 'Σ', Omega: 'Ω',
});

const ENTITY = /&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,7}));/g;

function fromCodePoint(cp: number): string | undefined {
  // HTML maps numeric references in 0x80–0x9F to cp1252, as browsers do.
  if (cp >= 0x80 && cp <= 0x9f) return String.fromCharCode(cp1252Char(cp));
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
  return String.fromCodePoint(cp);
}

/**
 * Decode HTML character references: `&amp;`, `&#233;`, `&#xE9;` and the names in
 * `NAMED_ENTITIES`. A reference needs its closing `;`; invalid code points and unknown names
 * are left untouched. Returns the text and how many references were decoded.
 */
export function decodeEntities(s: string): { text: string; count: number } {
  if (s.indexOf('&') < 0) return { text: s, count: 0 };
  let count = 0;
  const text = s.replace(ENTITY, (m, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    let r: string | undefined;
    if (dec !== undefined) r = fromCodePoint(parseInt(dec, 10));
    else if (hex !== undefined) r = fromCodePoint(parseInt(hex, 16));
    else r = NAMED_ENTITIES[name!];
    if (r === undefined) return m;
    count++;
    return r;
  });
  return { text, count };
}
