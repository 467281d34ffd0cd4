/**
 * Script evidence: what the characters of a text already say about its language, before any
 * model is asked. Kana means Japanese is possible, Hangul means Korean is; a text with neither
 * cannot be either, whatever a model trained on short n-grams says about its Han characters.
 */

/** Counts of the letters of a text by script, filled by `scanScripts`. */
export interface ScriptCounts {
  /** Han ideographs (CJK Unified, Extension A, compatibility, supplementary planes). */
  han: number;
  /** Hiragana and Katakana, without the middle dot and the long-vowel mark Chinese text uses too. */
  kana: number;
  /** Hangul syllables and jamo. */
  hangul: number;
  /** Latin letters (ASCII, Latin-1, Latin Extended, fullwidth). */
  latin: number;
  /** Letters of every other script (Cyrillic, Greek, Arabic, Devanagari, Thai, ...). */
  other: number;
  /** Han characters written only in Simplified Chinese (这, 们, 国 ...). */
  hans: number;
  /** Han characters written only in Traditional Chinese (這, 們, 國 ...). */
  hant: number;
  /** Characters that mark Cantonese or Wu writing (嘅, 咗, 喺, 侬, 覅 ...). */
  dialect: number;
  /** Simplified-only characters that Japanese does not use either (这, 们, 说, 发 ...) and Chinese particles (吗, 吧, 啦 ...). */
  notJa: number;
}

/** A fresh, zeroed `ScriptCounts`. */
export function emptyCounts(): ScriptCounts {
  return { han: 0, kana: 0, hangul: 0, latin: 0, other: 0, hans: 0, hant: 0, dialect: 0, notJa: 0 };
}

// Frequent characters whose Simplified and Traditional forms differ and are not both in use
// on either side (后/後, 里/裡, 台/臺, 著/着 and the like are left out: both occur in both).
// Aligned strings: the n-th character of SIMPLIFIED is written as the n-th of TRADITIONAL.
const SIMPLIFIED =
  '这们个为说时会来对国学发过经还没样么关点见现从问开长进动头实间无机与业东两乐书买卖亚产亲仅价众优传伤体' +
  '儿党写农决况则刚创别办务区华单卫历压县参双变号员响园围图场坏块声处备复夺奋妈孙宁宝导岁币师带帮广应库庆' +
  '张录边运远连选钱铁银错门闻阳阶际队随难电页顶项顺须领题风飞饭马鱼鸟黄龙济汉湾灯热爱环画种称积线组织终结' +
  '给统绝继续维网罗职联脑节获营虽观规视览计认让议记讲许论设证识词试话该语请读谁调谈资质购贵费赛车转轮软轻' +
  '较输达适邮释针钟键镇闭阅陈陆险隐预颜额馆验鲜鸡齐';
const TRADITIONAL =
  '這們個為說時會來對國學發過經還沒樣麼關點見現從問開長進動頭實間無機與業東兩樂書買賣亞產親僅價眾優傳傷體' +
  '兒黨寫農決況則剛創別辦務區華單衛歷壓縣參雙變號員響園圍圖場壞塊聲處備復奪奮媽孫寧寶導歲幣師帶幫廣應庫慶' +
  '張錄邊運遠連選錢鐵銀錯門聞陽階際隊隨難電頁頂項順須領題風飛飯馬魚鳥黃龍濟漢灣燈熱愛環畫種稱積線組織終結' +
  '給統絕繼續維網羅職聯腦節獲營雖觀規視覽計認讓議記講許論設證識詞試話該語請讀誰調談資質購貴費賽車轉輪軟輕' +
  '較輸達適郵釋針鐘鍵鎮閉閱陳陸險隱預顏額館驗鮮雞齊';
// Cantonese (嘅 咗 喺 唔 冇 佢 哋 嘢 啲 乜 咩 嚟 睇 諗 嗰 噉 啱 嬲 攞 冚) and Wu (侬 儂 覅 嘸) marks.
const DIALECT = '嘅咗喺唔冇佢哋嘢啲乜咩嚟睇諗嗰噉啱嬲攞冚侬儂覅嘸';

// Simplified characters that are also modern Japanese forms (国, 学, 会, 点 ...): every other
// character of SIMPLIFIED is evidence against Japanese.
const ALSO_JAPANESE = '国学会来点机与区参号声宝体写灯画称党双黄湾没随';
// Chinese sentence particles and pronouns that Japanese does not write (the same in both scripts).
const CHINESE_PARTICLES = '吗吧啦哟嘛呢哦咱您她';

/** Per BMP code unit: 1 Simplified-only, 2 Traditional-only, 3 dialect mark, 4 Simplified and not Japanese, 5 Chinese particle. */
const HAN_MARK = (() => {
  const t = new Uint8Array(0x10000);
  if (SIMPLIFIED.length !== TRADITIONAL.length) throw new Error('script.ts: SIMPLIFIED and TRADITIONAL are not aligned');
  for (let i = 0; i < SIMPLIFIED.length; i++) {
    t[SIMPLIFIED.charCodeAt(i)] = ALSO_JAPANESE.includes(SIMPLIFIED[i]) ? 1 : 4;
    t[TRADITIONAL.charCodeAt(i)] = 2;
  }
  for (let i = 0; i < DIALECT.length; i++) t[DIALECT.charCodeAt(i)] = 3;
  for (let i = 0; i < CHINESE_PARTICLES.length; i++) t[CHINESE_PARTICLES.charCodeAt(i)] = 5;
  return t;
})();

/**
 * Count the letters of `text[start, end)` by script into `out` (added to what it holds). One
 * pass over the UTF-16 code units, no allocation.
 */
export function scanScripts(text: string, start: number, end: number, out: ScriptCounts): void {
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) {
      if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) out.latin++;
      continue;
    }
    if (c < 0x0370) {
      if (c >= 0xc0 && c !== 0xd7 && c !== 0xf7) out.latin++;
      continue;
    }
    if (c >= 0x4e00 && c <= 0x9fff) {
      out.han++;
      const m = HAN_MARK[c];
      if (m === 1) out.hans++;
      else if (m === 4) {
        out.hans++;
        out.notJa++;
      } else if (m === 2) out.hant++;
      else if (m === 5) out.notJa++;
      else if (m === 3) out.dialect++;
      continue;
    }
    if (c < 0x2000) {
      if (c >= 0x1100 && c <= 0x11ff) out.hangul++;
      else if (c >= 0x1e00 && c <= 0x1eff) out.latin++; // Latin Extended Additional (Vietnamese ạ, ế, ...)
      else out.other++;
      continue;
    }
    if (c >= 0xac00 && c <= 0xd7af) out.hangul++;
    else if (c >= 0x3040 && c <= 0x30ff) {
      // ・ and ー appear in Chinese text (威廉・莎士比亚); ゠ is punctuation.
      if (c !== 0x30fb && c !== 0x30fc && c !== 0x30a0) out.kana++;
    } else if ((c >= 0x3400 && c <= 0x4dbf) || (c >= 0xf900 && c <= 0xfaff)) out.han++;
    else if (c >= 0xd840 && c <= 0xd87f) {
      out.han++; // a supplementary-plane ideograph (Extensions B-F): count its high surrogate
      i++;
    } else if (c >= 0x3130 && c <= 0x318f) out.hangul++;
    else if (c >= 0x31f0 && c <= 0x31ff) out.kana++;
    else if (c >= 0xff21 && c <= 0xff5a) {
      if (c <= 0xff3a || c >= 0xff41) out.latin++;
    } else if (c >= 0xff66 && c <= 0xff9d) out.kana++;
    else if (c >= 0xa640 && c < 0xac00 && !(c >= 0xa830 && c <= 0xa83f)) out.other++;
  }
}

/**
 * A character for every branch of `scanScripts`: run over when the module loads, so the
 * loop has type feedback for each branch before V8 optimises it. A branch first met by the
 * optimised loop (a Hangul syllable, kana, a Traditional-only character ...) deoptimised it:
 * 6 times over the first copy of the bench mix, each followed by slower runs and a recompile.
 */
const EVERY_BRANCH =
  'a0 \u00e9\u00d7\u00c0\u03a9\u1100\u4e2d\u8fd9\u56fd\u9019\u5605\u5417\uac00\u3042\u30fb\u3400\uf900\ud840\udc00' +
  '\u3131\u31f0\uff21\uff3b\uff41\uff66\u1e00\ua641\ua830\u20ac\u0100';
// V8 gives a function its feedback only after some calls (--invocation-count-for-feedback-allocation, 8).
for (let k = 0; k < 16; k++) scanScripts(EVERY_BRANCH, 0, EVERY_BRANCH.length, emptyCounts());

/** Han, kana and Hangul characters together. */
export function cjkOf(s: ScriptCounts): number {
  return s.han + s.kana + s.hangul;
}

/**
 * `Hans` or `Hant` for a Chinese text: the side with more of its own characters; `Hans` on a
 * tie (none of the marked characters, which is rare past a sentence).
 */
export function hanScript(s: ScriptCounts): 'Hans' | 'Hant' {
  return s.hant > s.hans ? 'Hant' : 'Hans';
}
