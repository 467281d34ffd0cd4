import { table } from '../../core/own.js';
/**
 * Language codes: every backend's labels are turned into ISO 639-1 where the language has a
 * 639-1 code, and kept as ISO 639-3 (or the model's own code) where it has none.
 */

/** ISO 639-3 (the 639-2/T code where both exist) of each ISO 639-1 code, in 639-1 order. */
const ISO1_TO_ISO3: Readonly<Record<string, string>> = table({
  aa: 'aar', ab: 'abk', ae: 'ave', af: 'afr', ak: 'aka', am: 'amh', an: 'arg', ar: 'ara', as: 'asm',
  av: 'ava', ay: 'aym', az: 'aze', ba: 'bak', be: 'bel', bg: 'bul', bi: 'bis', bm: 'bam', bn: 'ben',
  bo: 'bod', br: 'bre', bs: 'bos', ca: 'cat', ce: 'che', ch: 'cha', co: 'cos', cr: 'cre', cs: 'ces',
  cu: 'chu', cv: 'chv', cy: 'cym', da: 'dan', de: 'deu', dv: 'div', dz: 'dzo', ee: 'ewe', el: 'ell',
  en: 'eng', eo: 'epo', es: 'spa', et: 'est', eu: 'eus', fa: 'fas', ff: 'ful', fi: 'fin', fj: 'fij',
  fo: 'fao', fr: 'fra', fy: 'fry', ga: 'gle', gd: 'gla', gl: 'glg', gn: 'grn', gu: 'guj', gv: 'glv',
  ha: 'hau', he: 'heb', hi: 'hin', ho: 'hmo', hr: 'hrv', ht: 'hat', hu: 'hun', hy: 'hye', hz: 'her',
  ia: 'ina', id: 'ind', ie: 'ile', ig: 'ibo', ii: 'iii', ik: 'ipk', io: 'ido', is: 'isl', it: 'ita',
  iu: 'iku', ja: 'jpn', jv: 'jav', ka: 'kat', kg: 'kon', ki: 'kik', kj: 'kua', kk: 'kaz', kl: 'kal',
  km: 'khm', kn: 'kan', ko: 'kor', kr: 'kau', ks: 'kas', ku: 'kur', kv: 'kom', kw: 'cor', ky: 'kir',
  la: 'lat', lb: 'ltz', lg: 'lug', li: 'lim', ln: 'lin', lo: 'lao', lt: 'lit', lu: 'lub', lv: 'lav',
  mg: 'mlg', mh: 'mah', mi: 'mri', mk: 'mkd', ml: 'mal', mn: 'mon', mr: 'mar', ms: 'msa', mt: 'mlt',
  my: 'mya', na: 'nau', nb: 'nob', nd: 'nde', ne: 'nep', ng: 'ndo', nl: 'nld', nn: 'nno', no: 'nor',
  nr: 'nbl', nv: 'nav', ny: 'nya', oc: 'oci', oj: 'oji', om: 'orm', or: 'ori', os: 'oss', pa: 'pan',
  pi: 'pli', pl: 'pol', ps: 'pus', pt: 'por', qu: 'que', rm: 'roh', rn: 'run', ro: 'ron', ru: 'rus',
  rw: 'kin', sa: 'san', sc: 'srd', sd: 'snd', se: 'sme', sg: 'sag', sh: 'hbs', si: 'sin', sk: 'slk',
  sl: 'slv', sm: 'smo', sn: 'sna', so: 'som', sq: 'sqi', sr: 'srp', ss: 'ssw', st: 'sot', su: 'sun',
  sv: 'swe', sw: 'swa', ta: 'tam', te: 'tel', tg: 'tgk', th: 'tha', ti: 'tir', tk: 'tuk', tl: 'tgl',
  tn: 'tsn', to: 'ton', tr: 'tur', ts: 'tso', tt: 'tat', tw: 'twi', ty: 'tah', ug: 'uig', uk: 'ukr',
  ur: 'urd', uz: 'uzb', ve: 'ven', vi: 'vie', vo: 'vol', wa: 'wln', wo: 'wol', xh: 'xho', yi: 'yid',
  yo: 'yor', za: 'zha', zh: 'zho', zu: 'zul',
});

/** ISO 639-2/B codes that differ from 639-2/T, so `--keep chi,ger` works too. */
const ISO2B: Readonly<Record<string, string>> = table({
  alb: 'sq', arm: 'hy', baq: 'eu', bur: 'my', chi: 'zh', cze: 'cs', dut: 'nl', fre: 'fr', geo: 'ka',
  ger: 'de', gre: 'el', ice: 'is', mac: 'mk', mao: 'mi', may: 'ms', per: 'fa', rum: 'ro', slo: 'sk',
  tib: 'bo', wel: 'cy',
});

/**
 * Individual languages (ISO 639-3) that franc reports for the usual member of a macrolanguage,
 * mapped to the macrolanguage's 639-1 code: franc says `cmn` where everyone (and lid.176) says
 * `zh`. Members that have a 639-1 code of their own (`nob` → `nb`, `ind` → `id`) are not here.
 */
const MEMBER_TO_ISO1: Readonly<Record<string, string>> = table({
  cmn: 'zh', arb: 'ar', pes: 'fa', prs: 'fa', zlm: 'ms', zsm: 'ms', ekk: 'et', lvs: 'lv', als: 'sq',
  azj: 'az', khk: 'mn', swh: 'sw', uzn: 'uz', npi: 'ne', ory: 'or', pbu: 'ps', pbt: 'ps', quy: 'qu',
  quz: 'qu', qug: 'qu', plt: 'mg', ydd: 'yi', gaz: 'om', kmr: 'ku', knc: 'kr', fuf: 'ff', fuv: 'ff',
  gug: 'gn', ayr: 'ay', koi: 'kv',
});

const ISO3_TO_ISO1: Readonly<Record<string, string>> = (() => {
  const m: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [one, three] of Object.entries(ISO1_TO_ISO3)) m[three] = one;
  for (const [b, one] of Object.entries(ISO2B)) m[b] = one;
  for (const [three, one] of Object.entries(MEMBER_TO_ISO1)) m[three] = one;
  return m;
})();

/**
 * The ISO 639-1 code for a 639-1, 639-2/B, 639-2/T or 639-3 code when the language has one
 * (`zho`, `cmn`, `chi` → `zh`), else the code unchanged, lower-cased (`yue`, `ceb`).
 */
export function toIso1(code: string): string {
  const c = code.toLowerCase();
  if (c.length === 2) return c;
  return ISO3_TO_ISO1[c] ?? c;
}

/** The ISO 639-3 code of a 639-1 code, or `undefined` when it is not one. */
export function iso1To3(code: string): string | undefined {
  return ISO1_TO_ISO3[code];
}

/**
 * lid.176 labels that are not the ISO code of the language they name. lid.176 took its labels
 * from Wikipedia editions: `als` there is Alemannic (ISO `gsw`), whereas ISO `als` is Tosk
 * Albanian. `no` is reported as `nb`: lid.176 (like CLD2) has one Norwegian label for Bokmål
 * text and a separate `nn`, and every backend reports the same code for the same language.
 * Everything else in lid.176 is already 639-1 or 639-3 (or a Wikipedia code with no ISO
 * equivalent, such as `eml`, kept as is).
 */
const FASTTEXT_FIXES: Readonly<Record<string, string>> = table({ als: 'gsw', no: 'nb' });

/** The code this project reports for a lid.176 label (without `__label__`). */
export function fromFastTextLabel(label: string): string {
  return FASTTEXT_FIXES[label] ?? label;
}

/** The code this project reports for a franc result (ISO 639-3, or `und`). */
export function fromFrancCode(code: string): string {
  return toIso1(code);
}

/**
 * CLD2 codes that are not the ISO code this project reports: the old Hebrew, Javanese and
 * Norwegian codes, and its own code for Chinese in Traditional script (the script is a separate
 * signal here, `attrs.lang_script`).
 */
const CLD2_FIXES: Readonly<Record<string, string>> = table({ iw: 'he', jw: 'jv', no: 'nb', 'zh-Hant': 'zh' });

/** The code this project reports for a CLD2 code. */
export function fromCld2Code(code: string): string {
  return CLD2_FIXES[code] ?? code;
}

/**
 * The languages written in Han characters that `keep: zh` keeps unless `strictCodes` is set:
 * Cantonese, Wu, Gan, Hakka, Min, Xiang, Jin and Literary Chinese, all members of the ISO
 * macrolanguage `zh`.
 */
export const CHINESE_VARIETIES: ReadonlySet<string> = new Set(['zh', 'yue', 'wuu', 'gan', 'hak', 'nan', 'cdo', 'hsn', 'cjy', 'lzh', 'cmn']);

/** Macrolanguages and the codes a non-strict `keep` list lets them match. */
const MACRO_MEMBERS: Readonly<Record<string, readonly string[]>> = table({
  zh: [...CHINESE_VARIETIES],
  no: ['nb', 'nn'],
});

/** `keep` codes widened by their macrolanguage members (`zh` → zh, yue, wuu, ...; `no` → nb, nn). */
export function widenKeep(codes: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const c of codes) {
    out.add(c);
    for (const m of MACRO_MEMBERS[c] ?? []) out.add(m);
  }
  return out;
}
