/* kbsite search core: the query tokenizer (the same rules as the Rust
 * indexer, src/search/tokenize.rs, held together by tests/search/tokens.tsv),
 * the Snowball English stemmer, and the client that loads index shards with
 * <script> (fetch and XHR do not work from file://) and ranks documents.
 * No DOM here: the page script (kbsite.js) draws results; Node tests load
 * this file directly. */
(function (root) {
  'use strict';

  /* ---------- Snowball English (Porter2) stemmer ---------- */

  var VOWELS = 'aeiouy';
  function isVowel(c) { return VOWELS.indexOf(c) >= 0; }

  var EXCEPTION1 = {
    skis: 'ski', skies: 'sky', dying: 'die', lying: 'lie', tying: 'tie',
    idly: 'idl', gently: 'gentl', ugly: 'ugli', early: 'earli', only: 'onli', singly: 'singl',
    sky: 'sky', news: 'news', howe: 'howe', atlas: 'atlas', cosmos: 'cosmos', bias: 'bias', andes: 'andes'
  };
  var EXCEPTION2 = ['inning', 'outing', 'canning', 'herring', 'earring', 'proceed', 'exceed', 'succeed'];

  /* w: array of chars (with Y for consonant y). */
  function vowelAt(w, i) { return i >= 0 && i < w.length && isVowel(w[i]); }

  /* Start of the region after the first non-vowel following a vowel,
   * searching from `from`. */
  function regionAfter(w, from) {
    for (var i = from + 1; i < w.length; i++) {
      if (!vowelAt(w, i) && vowelAt(w, i - 1)) { return i + 1; }
    }
    return w.length;
  }

  function endsWith(w, s) {
    if (s.length > w.length) { return false; }
    for (var i = 0; i < s.length; i++) {
      if (w[w.length - s.length + i] !== s[i]) { return false; }
    }
    return true;
  }

  /* The longest of `suffixes` that w ends with, or null. */
  function longest(w, suffixes) {
    var best = null;
    for (var i = 0; i < suffixes.length; i++) {
      if (endsWith(w, suffixes[i]) && (best === null || suffixes[i].length > best.length)) { best = suffixes[i]; }
    }
    return best;
  }

  /* A short syllable ending at index `end` (exclusive). */
  function shortSyllableAt(w, end) {
    var i = end - 1;
    if (i < 1) { return false; }
    if (i === 1) { return !vowelAt(w, 1) && vowelAt(w, 0); }
    var c = w[i];
    return !isVowel(c) && c !== 'w' && c !== 'x' && c !== 'Y' && vowelAt(w, i - 1) && !vowelAt(w, i - 2);
  }

  function stem(word) {
    if (Object.prototype.hasOwnProperty.call(EXCEPTION1, word)) { return EXCEPTION1[word]; }
    if (word.length < 3) { return word; }
    var w = word.split('');
    if (w[0] === "'") { w.shift(); }
    if (w[0] === 'y') { w[0] = 'Y'; }
    for (var i = 1; i < w.length; i++) {
      if (w[i] === 'y' && isVowel(w[i - 1])) { w[i] = 'Y'; }
    }
    var s = w.join('');
    var r1;
    if (/^(gener|commun|arsen)/.test(s)) {
      r1 = /^gener/.test(s) ? 5 : /^commun/.test(s) ? 6 : 5;
    } else {
      r1 = regionAfter(w, 0);
    }
    var r2 = regionAfter(w, r1);
    function cut(n) { w.length -= n; }
    function inR1(suffix) { return w.length - suffix.length >= r1; }
    function inR2(suffix) { return w.length - suffix.length >= r2; }
    function put(suffix, repl) { cut(suffix.length); for (var k = 0; k < repl.length; k++) { w.push(repl[k]); } }

    // Step 0
    var suf = longest(w, ["'s'", "'s", "'"]);
    if (suf) { cut(suf.length); }

    // Step 1a
    suf = longest(w, ['sses', 'ied', 'ies', 's', 'us', 'ss']);
    if (suf === 'sses') { put('sses', 'ss'); }
    else if (suf === 'ied' || suf === 'ies') { put(suf, w.length - 3 > 1 ? 'i' : 'ie'); }
    else if (suf === 's') {
      var hasVowel = false;
      for (var j = 0; j < w.length - 2; j++) { if (isVowel(w[j])) { hasVowel = true; } }
      if (hasVowel) { cut(1); }
    }
    if (EXCEPTION2.indexOf(w.join('')) >= 0) { return w.join(''); }

    // Step 1b
    suf = longest(w, ['eed', 'eedly', 'ed', 'edly', 'ing', 'ingly']);
    if (suf === 'eed' || suf === 'eedly') {
      if (inR1(suf)) { put(suf, 'ee'); }
    } else if (suf) {
      var before = w.length - suf.length;
      var vowel = false;
      for (var k = 0; k < before; k++) { if (isVowel(w[k])) { vowel = true; } }
      if (vowel) {
        cut(suf.length);
        var end = longest(w, ['at', 'bl', 'iz', 'bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt']);
        if (end === 'at' || end === 'bl' || end === 'iz') { w.push('e'); }
        else if (end) { cut(1); }
        else if (r1 >= w.length && shortSyllableAt(w, w.length)) { w.push('e'); }
      }
    }

    // Step 1c
    var last = w[w.length - 1];
    if ((last === 'y' || last === 'Y') && w.length > 2 && !isVowel(w[w.length - 2])) { w[w.length - 1] = 'i'; }

    // Step 2
    var STEP2 = {
      tional: 'tion', enci: 'ence', anci: 'ance', abli: 'able', entli: 'ent', izer: 'ize', ization: 'ize',
      ational: 'ate', ation: 'ate', ator: 'ate', alism: 'al', aliti: 'al', alli: 'al', fulness: 'ful',
      ousli: 'ous', ousness: 'ous', iveness: 'ive', iviti: 'ive', biliti: 'ble', bli: 'ble', ogi: 'og',
      fulli: 'ful', lessli: 'less', li: ''
    };
    suf = longest(w, Object.keys(STEP2));
    if (suf && inR1(suf)) {
      if (suf === 'ogi') { if (w[w.length - 4] === 'l') { put(suf, 'og'); } }
      else if (suf === 'li') { if ('cdeghkmnrt'.indexOf(w[w.length - 3]) >= 0) { cut(2); } }
      else { put(suf, STEP2[suf]); }
    }

    // Step 3
    var STEP3 = { tional: 'tion', ational: 'ate', alize: 'al', icate: 'ic', iciti: 'ic', ical: 'ic', ful: '', ness: '', ative: '' };
    suf = longest(w, Object.keys(STEP3));
    if (suf && inR1(suf)) {
      if (suf === 'ative') { if (inR2(suf)) { cut(5); } }
      else { put(suf, STEP3[suf]); }
    }

    // Step 4
    suf = longest(w, ['al', 'ance', 'ence', 'er', 'ic', 'able', 'ible', 'ant', 'ement', 'ment', 'ent', 'ism', 'ate', 'iti', 'ous', 'ive', 'ize', 'ion']);
    if (suf && inR2(suf)) {
      if (suf === 'ion') { var p = w[w.length - 4]; if (p === 's' || p === 't') { cut(3); } }
      else { cut(suf.length); }
    }

    // Step 5
    last = w[w.length - 1];
    if (last === 'e') {
      if (inR2('e') || (inR1('e') && !shortSyllableAt(w, w.length - 1))) { cut(1); }
    } else if (last === 'l') {
      if (inR2('l') && w[w.length - 2] === 'l') { cut(1); }
    }
    return w.join('').replace(/Y/g, 'y');
  }

  /* ---------- Tokenizer ---------- */

  var STOP = {};
  ['a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'can', 'do', 'does', 'for', 'from', 'has',
    'have', 'how', 'i', 'if', 'in', 'is', 'it', 'its', 'my', 'of', 'on', 'or', 'that', 'the',
    'this', 'to', 'was', 'were', 'what', 'when', 'where', 'which', 'why', 'will', 'with', 'you',
    'your'].forEach(function (w) { STOP[w] = true; });

  var WORD = /[\p{Alphabetic}\p{N}]/u;
  var LETTER = /^\p{Alphabetic}$/u;
  var UPPER = /^\p{Lu}$/u;
  var LOWER = /^\p{Ll}$/u;
  var NUMBER = /^\p{N}$/u;
  var MARKS = /\p{M}/gu;

  function fold(s) { return s.normalize('NFD').replace(MARKS, '').toLowerCase(); }
  function isJoiner(c) { return c === '.' || c === '-' || c === '_'; }

  function splitParts(chars) {
    var parts = [];
    var cur = [];
    for (var k = 0; k < chars.length; k++) {
      var c = chars[k];
      if (isJoiner(c)) { parts.push(cur.join('')); cur = []; continue; }
      if (k > 0 && UPPER.test(c) && cur.length) {
        var prev = chars[k - 1];
        var nextLower = k + 1 < chars.length && LOWER.test(chars[k + 1]);
        if (LOWER.test(prev) || (UPPER.test(prev) && nextLower)) { parts.push(cur.join('')); cur = []; }
      }
      if (NUMBER.test(c) && cur.length >= 2 && cur.every(function (x) { return LETTER.test(x); })) {
        parts.push(cur.join('')); cur = [];
      }
      cur.push(c);
    }
    parts.push(cur.join(''));
    return parts.filter(function (p) { return p.length > 0; });
  }

  function plain(p, out) {
    var folded = fold(p);
    var chars = Array.from(folded);
    var letters = chars.every(function (c) { return LETTER.test(c); });
    if (letters && (chars.length < 2 || STOP[folded])) { return; }
    out.push(letters ? stem(folded) : folded);
  }

  /* Tokens of `text`, in order (see src/search/tokenize.rs). */
  function tokens(text) {
    var chars = Array.from(text);
    var out = [];
    var i = 0;
    while (i < chars.length) {
      if (!WORD.test(chars[i])) { i++; continue; }
      var start = i;
      while (i < chars.length) {
        if (WORD.test(chars[i])) { i++; }
        else if (isJoiner(chars[i]) && i + 1 < chars.length && WORD.test(chars[i + 1])) { i++; }
        else { break; }
      }
      var w = chars.slice(start, i);
      var parts = splitParts(w);
      if (parts.length === 1) { plain(parts[0], out); continue; }
      out.push(fold(w.join('')));
      parts.forEach(function (p) { plain(p, out); });
    }
    return out;
  }

  var api = { tokens: tokens, stem: stem, fold: fold };
  if (typeof module !== 'undefined' && module.exports) { module.exports = api; }
  root.kbsiteSearchCore = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
