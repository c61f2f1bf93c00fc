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

  /* ---------- Index client ---------- */

  var ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  var DIGIT = {};
  for (var a = 0; a < ALPHABET.length; a++) { DIGIT[ALPHABET[a]] = a; }

  /* The numbers of an encoded string (see src/search/shards.rs). */
  function numbers(s) {
    var out = [];
    var acc = 0;
    for (var i = 0; i < s.length; i++) {
      var v = DIGIT[s[i]];
      acc = acc * 32 + (v & 31);
      if (v < 32) { out.push(acc); acc = 0; }
    }
    return out;
  }

  function decodePostings(s) {
    var n = numbers(s);
    var docs = [];
    var scores = [];
    var d = 0;
    for (var k = 0; k + 1 < n.length; k += 2) {
      d = k === 0 ? n[0] : d + n[k];
      docs.push(d);
      scores.push(n[k + 1]);
    }
    return { docs: docs, scores: scores };
  }

  function decodeDocs(s) {
    var n = numbers(s);
    var out = [];
    var d = 0;
    for (var k = 0; k < n.length; k++) { d = k === 0 ? n[0] : d + n[k]; out.push(d); }
    return out;
  }

  /* A shard key as a file name: [a-z0-9] as is, other UTF-8 bytes ~hh. */
  function keyFile(key) {
    var bytes = new TextEncoder().encode(key);
    var out = '';
    for (var i = 0; i < bytes.length; i++) {
      var b = bytes[i];
      if ((b >= 97 && b <= 122) || (b >= 48 && b <= 57)) { out += String.fromCharCode(b); }
      else { out += '~' + (b < 16 ? '0' : '') + b.toString(16); }
    }
    return out;
  }

  /* Optimal string alignment distance, but only whether it is <= 1. */
  function withinOne(a, b) {
    if (a === b) { return true; }
    var la = a.length, lb = b.length;
    if (Math.abs(la - lb) > 1) { return false; }
    var i = 0;
    while (i < la && i < lb && a[i] === b[i]) { i++; }
    if (la === lb) {
      if (a.slice(i + 1) === b.slice(i + 1)) { return true; }
      return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
    }
    return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
  }

  /* Edit distance (for "did you mean" suggestions). */
  function distance(a, b) {
    var prev = [], cur = [];
    for (var j = 0; j <= b.length; j++) { prev[j] = j; }
    for (var i = 1; i <= a.length; i++) {
      cur = [i];
      for (j = 1; j <= b.length; j++) {
        cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
      }
      prev = cur;
    }
    return prev[b.length];
  }

  var WEIGHT = { exact: 1, prefix: 0.375, fuzzy: 0.45 };
  /* Words at least this long get one typo forgiven. */
  var FUZZY_MIN = 5;
  var MAX_EXPANSIONS = 24;

  /* Shards arrive by <script> (or any loader): `add` files them and wakes
   * whoever waits. */
  function Registry() {
    var self = this;
    this.data = {};
    this.waiting = {};
    this.add = function (name, value) {
      self.data[name] = value;
      var w = self.waiting[name];
      delete self.waiting[name];
      if (w) { w.forEach(function (f) { f.resolve(value); }); }
    };
  }

  /* The page's registry: shard files call kbsiteSearch.add(name, data). */
  var registry = new Registry();

  /* An index under `base` (a URL ending in `search/`). `load(url, name,
   * done)` starts loading one shard file, which calls `registry.add`;
   * `done(err, bytes)` reports the outcome. */
  function Index(base, load, reg) {
    this.base = base;
    this.load = load;
    this.registry = reg || registry;
    this.loaded = {};
    this.bytes = 0;
    this.files = 0;
  }

  Index.prototype.get = function (name) {
    var registry = this.registry;
    if (Object.prototype.hasOwnProperty.call(registry.data, name)) { return Promise.resolve(registry.data[name]); }
    var self = this;
    return new Promise(function (resolve, reject) {
      var list = registry.waiting[name] || (registry.waiting[name] = []);
      list.push({ resolve: resolve, reject: reject });
      if (!self.loaded[name]) {
        self.loaded[name] = true;
        self.load(self.base + name + '.js', name, function (err, size) {
          if (size) { self.bytes += size; self.files += 1; }
          if (err) {
            var w = registry.waiting[name] || [];
            delete registry.waiting[name];
            self.loaded[name] = false;
            w.forEach(function (f) { f.reject(err); });
          }
        });
      }
    });
  };

  Index.prototype.manifest = function () {
    var self = this;
    if (!this.manifestP) {
      this.manifestP = this.get('manifest').then(function (m) {
        self.termKeys = {};
        m.terms.forEach(function (k) { self.termKeys[k] = true; });
        self.typoKeys = {};
        m.typos.forEach(function (k) { self.typoKeys[k] = true; });
        self.m = m;
        return m;
      });
    }
    return this.manifestP;
  };

  /* The longest key of `keys` that `term` starts with. */
  function keyFor(keys, term) {
    var chars = Array.from(term);
    for (var n = Math.min(6, chars.length); n >= 1; n--) {
      var k = chars.slice(0, n).join('');
      if (keys[k]) { return k; }
    }
    return null;
  }

  Index.prototype.termShard = function (term) {
    var k = keyFor(this.termKeys, term);
    return k === null ? Promise.resolve({}) : this.get('t/' + keyFile(k));
  };

  /* Every term shard that can hold terms starting with `prefix`. */
  Index.prototype.prefixShards = function (prefix) {
    var self = this;
    var names = [];
    var own = keyFor(this.termKeys, prefix);
    if (own !== null) { names.push(own); }
    Object.keys(this.termKeys).forEach(function (k) {
      if (k !== own && k.length > prefix.length && k.indexOf(prefix) === 0) { names.push(k); }
    });
    return Promise.all(names.map(function (k) { return self.get('t/' + keyFile(k)); }));
  };

  Index.prototype.typoShard = function (variant) {
    var k = keyFor(this.typoKeys, variant);
    return k === null ? Promise.resolve({}) : this.get('f/' + keyFile(k));
  };

  /* Query → groups of tokens, one group per typed word; the last word,
   * still being typed, is matched as a prefix too. */
  function parseQuery(query) {
    var words = query.trim().split(/\s+/).filter(Boolean);
    var groups = [];
    words.forEach(function (w, i) {
      var toks = tokens(w);
      if (!toks.length) { return; }
      var folded = fold(w);
      groups.push({
        word: folded,
        tokens: toks,
        last: i === words.length - 1 && !/\s$/.test(query),
        fuzzy: /^\p{Alphabetic}+$/u.test(folded) && Array.from(folded).length >= FUZZY_MIN
      });
    });
    return groups;
  }

  /* Candidate terms for a token: [{term, weight}]. Exact; for the last
   * word, terms it is the start of; for a word not in the index, stems that
   * begin it ("validat" → "valid", "partiton" → "partit"); for words of
   * five letters or more that the index does not know, terms one edit
   * away. Typos in the first three letters move a word to another shard:
   * those are looked up in the typo table. */
  Index.prototype.expand = function (group, tok) {
    var self = this;
    var chars = Array.from(tok);
    var prefix = group.last && chars.length >= 2;
    var wanted = group.fuzzy && group.tokens.length === 1;
    var near = [this.termShard(tok)];
    if (prefix) { near.push(this.prefixShards(tok)); }
    if (prefix || wanted) {
      // Shards that hold the stems that begin this word.
      for (var n = Math.max(5, chars.length - 2); n < chars.length; n++) {
        near.push(this.termShard(chars.slice(0, n).join('')));
      }
    }
    return Promise.all(near).then(function (r) {
      var own = r[0];
      // A word the index knows is taken as written: its one-edit
      // neighbours are other words ("partit" is not "parti").
      var fuzzy = wanted && own[tok] === undefined;
      var shards = [own].concat(prefix ? r[1] : [], r.slice(prefix ? 2 : 1));
      var found = [{ term: tok, weight: WEIGHT.exact }];
      var seen = {};
      seen[tok] = true;
      var add = function (t, w) { if (!seen[t]) { seen[t] = true; found.push({ term: t, weight: w }); } };
      var terms = {};
      shards.forEach(function (sh) { Object.keys(sh).forEach(function (t) { terms[t] = sh[t].length; }); });
      var names = Object.keys(terms);
      if (prefix) {
        var more = names.filter(function (t) { return t.indexOf(tok) === 0; });
        // The most common completions first.
        more.sort(function (a, b) { return terms[b] - terms[a] || (a < b ? -1 : 1); });
        more.slice(0, MAX_EXPANSIONS).forEach(function (t) { add(t, WEIGHT.prefix); });
      }
      names.forEach(function (t) {
        var len = Array.from(t).length;
        // A stem this word begins with (the word may be half typed, or a
        // typo may have kept it from stemming).
        var stemOf = own[tok] === undefined && len >= Math.max(5, chars.length - 2) &&
          len < chars.length && tok.indexOf(t) === 0;
        if (stemOf && (prefix || fuzzy)) { add(t, prefix ? WEIGHT.prefix : WEIGHT.fuzzy); }
        else if (fuzzy && withinOne(tok, t)) { add(t, WEIGHT.fuzzy); }
      });
      if (!fuzzy || own[tok] !== undefined) { return found; }
      var variants = [tok];
      for (var k = 0; k < 3 && k < chars.length; k++) {
        variants.push(chars.slice(0, k).concat(chars.slice(k + 1)).join(''));
      }
      return Promise.all([
        Promise.all(variants.map(function (v) { return self.typoShard(v); })),
        Promise.all(variants.slice(1).map(function (v) { return self.termShard(v); }))
      ]).then(function (t) {
        variants.forEach(function (v, i) {
          (t[0][i][v] || []).forEach(function (c) { if (withinOne(tok, c)) { add(c, WEIGHT.fuzzy); } });
          if (i > 0 && t[1][i - 1][v] !== undefined) { add(v, WEIGHT.fuzzy); }
        });
        return found;
      });
    });
  };

  /* Postings of `term`, decoded once. */
  Index.prototype.postings = function (term) {
    var self = this;
    this.decoded = this.decoded || {};
    if (this.decoded[term]) { return Promise.resolve(this.decoded[term]); }
    return this.termShard(term).then(function (shard) {
      var enc = shard[term];
      var p = enc === undefined ? { docs: [], scores: [] } : decodePostings(enc);
      self.decoded[term] = p;
      return p;
    });
  };

  /* Ranks documents for `query`: OR over the typed words, each word's
   * tokens adding the best of their exact, prefix and fuzzy matches.
   * Resolves to { hits: [{doc, score}], terms: [matched terms], suggestions }. */
  Index.prototype.rank = function (query) {
    var self = this;
    var groups = parseQuery(query);
    return this.manifest().then(function () {
      var jobs = [];
      groups.forEach(function (g) {
        g.tokens.forEach(function (tok) { jobs.push(self.expand(g, tok)); });
      });
      return Promise.all(jobs);
    }).then(function (expansions) {
      var needed = [];
      expansions.forEach(function (list) { list.forEach(function (c) { needed.push(self.postings(c.term)); }); });
      return Promise.all(needed).then(function () { return expansions; });
    }).then(function (expansions) {
      var scores = {};
      var words = {};
      var matched = {};
      var levels = self.m.levels;
      var k = 0;
      groups.forEach(function (g, gi) {
        g.tokens.forEach(function () {
          var list = expansions[k++];
          var best = {};
          list.forEach(function (c) {
            var p = self.decoded[c.term];
            if (p.docs.length) { matched[c.term] = true; }
            for (var i = 0; i < p.docs.length; i++) {
              var s = c.weight * p.scores[i] / levels;
              var d = p.docs[i];
              if (!(best[d] >= s)) { best[d] = s; }
            }
          });
          Object.keys(best).forEach(function (d) {
            scores[d] = (scores[d] || 0) + best[d];
            (words[d] || (words[d] = {}))[gi] = true;
          });
        });
      });
      // Documents that match more of the typed words rank higher: the sum
      // is multiplied by how many words matched.
      var hits = Object.keys(scores).map(function (d) {
        return { doc: +d, score: scores[d] * Object.keys(words[d]).length };
      });
      hits.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
      var out = { hits: hits, terms: Object.keys(matched), suggestions: [] };
      if (!hits.length) { return self.suggest(groups).then(function (s) { out.suggestions = s; return out; }); }
      return out;
    });
  };

  /* Nearest terms to the words that found nothing. */
  Index.prototype.suggest = function (groups) {
    var self = this;
    return Promise.all(groups.map(function (g) {
      var tok = g.tokens[0];
      return self.termShard(tok).then(function (shard) {
        var best = null;
        Object.keys(shard).forEach(function (t) {
          var d = distance(tok, t);
          if (d <= 2 && (!best || d < best.d || (d === best.d && shard[t].length > shard[best.t].length))) { best = { t: t, d: d }; }
        });
        return best ? best.t : null;
      });
    })).then(function (list) { return list.filter(Boolean); });
  };

  /* Document metadata: [title, url, section, kb, text]. */
  Index.prototype.doc = function (n) {
    var g = this.m.group;
    return this.get('d/' + Math.floor(n / g)).then(function (rows) {
      var r = rows[n % g];
      return { doc: n, title: r[0], url: r[1], section: r[2], kb: r[3], text: r[4] };
    });
  };

  /* Facets: { product: {value: [docs]}, service: {...} }. */
  Index.prototype.facets = function () {
    return this.get('facets').then(function (f) {
      var out = {};
      Object.keys(f).forEach(function (name) {
        out[name] = {};
        Object.keys(f[name]).forEach(function (v) { out[name][v] = decodeDocs(f[name][v]); });
      });
      return out;
    });
  };

  /* The full search: ranked, filtered, with metadata for the first
   * `limit` hits. filters: { product: 'x', service: 'y' }. */
  Index.prototype.search = function (query, limit, filters) {
    var self = this;
    limit = limit || 10;
    var wanted = filters && Object.keys(filters).filter(function (k) { return filters[k]; });
    return this.rank(query).then(function (r) {
      if (!wanted || !wanted.length) { return r; }
      return self.facets().then(function (f) {
        var allowed = wanted.map(function (k) {
          var set = {};
          ((f[k] || {})[filters[k]] || []).forEach(function (d) { set[d] = true; });
          return set;
        });
        r.hits = r.hits.filter(function (h) { return allowed.every(function (s) { return s[h.doc]; }); });
        return r;
      });
    }).then(function (r) {
      var top = r.hits.slice(0, limit);
      return Promise.all(top.map(function (h) { return self.doc(h.doc); })).then(function (docs) {
        docs.forEach(function (d, i) { d.score = top[i].score; });
        return { results: docs, total: r.hits.length, terms: r.terms, suggestions: r.suggestions };
      });
    });
  };

  /* Splits `text` into [{text, mark}] where words match `terms` (exactly,
   * or as the start of a longer word for the last query word). */
  function highlight(text, terms) {
    var want = {};
    terms.forEach(function (t) { want[t] = true; });
    var out = [];
    var re = /[\p{Alphabetic}\p{N}]+(?:[.\-_][\p{Alphabetic}\p{N}]+)*/gu;
    var last = 0;
    var m;
    while ((m = re.exec(text))) {
      var hit = tokens(m[0]).some(function (t) { return want[t]; });
      if (!hit) { continue; }
      if (m.index > last) { out.push({ text: text.slice(last, m.index), mark: false }); }
      out.push({ text: m[0], mark: true });
      last = m.index + m[0].length;
    }
    if (last < text.length) { out.push({ text: text.slice(last), mark: false }); }
    return out;
  }

  var api = {
    tokens: tokens, stem: stem, fold: fold, numbers: numbers, keyFile: keyFile,
    withinOne: withinOne, parseQuery: parseQuery, Index: Index, Registry: Registry, highlight: highlight,
    registry: registry
  };
  root.kbsiteSearch = registry;
  if (typeof module !== 'undefined' && module.exports) { module.exports = api; }
  root.kbsiteSearchCore = api;
})(typeof globalThis !== 'undefined' ? globalThis : this);
