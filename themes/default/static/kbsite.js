/* kbsite theme script. No dependencies, no network: it works from file://.
 * Decision trees: one question at a time, the answers so far (each one
 * clickable to go back), restart, keyboard use, focus moved to each new step
 * and announced, and the walk kept in the hash (#TREEID=answer/answer) so
 * reload, back/forward and shared links restore it. Without this script the
 * tree still works through links and CSS :target. Also: a copy button on
 * each code block, the in-page toc's current section, search. */
(function () {
  'use strict';

  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  function Tree(section) {
    this.section = section;
    this.id = section.getAttribute('data-kb-tree');
    this.nodes = {};
    var self = this;
    each(section.querySelectorAll('[data-kb-node]'), function (n) {
      self.nodes[n.getAttribute('data-kb-node')] = n;
    });
    var start = section.querySelector('.kb-tree-start');
    this.start = start && start.getAttribute('data-kb-node');
    this.path = section.querySelector('[data-kb-path]');
    this.status = section.querySelector('[data-kb-status]');
    this.keys = [];
  }

  /* The answers of a node element: key (the hash part), label, next node. */
  Tree.prototype.answers = function (node) {
    var prefix = '#' + this.id + '--';
    var out = [];
    each(node.querySelectorAll('[data-kb-answer]'), function (a) {
      var href = a.getAttribute('href') || '';
      out.push({
        key: a.getAttribute('data-kb-answer'),
        label: a.textContent.trim(),
        next: href.indexOf(prefix) === 0 ? href.slice(prefix.length) : null
      });
    });
    return out;
  };

  /* Follows answer keys (or 1-based numbers) from the start; stops at the
   * first key that does not fit. */
  Tree.prototype.walk = function (keys) {
    var current = this.start;
    var trail = [];
    for (var i = 0; i < keys.length; i++) {
      var node = this.nodes[current];
      var answers = this.answers(node);
      var k = keys[i];
      var chosen = null;
      for (var j = 0; j < answers.length; j++) {
        if (answers[j].key === k) { chosen = answers[j]; }
      }
      if (!chosen && /^\d+$/.test(k)) { chosen = answers[parseInt(k, 10) - 1] || null; }
      if (!chosen || !this.nodes[chosen.next]) { break; }
      trail.push({ node: current, question: this.question(node), answer: chosen });
      current = chosen.next;
    }
    return { trail: trail, current: current };
  };

  Tree.prototype.question = function (node) {
    var ask = node.querySelector('.kb-tree-ask');
    return ask ? ask.textContent.trim() : '';
  };

  /* The keys in the hash, if the hash is this tree's walk. */
  Tree.prototype.fromHash = function () {
    var h;
    try { h = decodeURIComponent(location.hash.slice(1)); } catch (e) { return null; }
    if (h.indexOf(this.id + '=') !== 0) { return null; }
    var rest = h.slice(this.id.length + 1);
    return rest ? rest.split('/') : [];
  };

  Tree.prototype.go = function (keys) {
    var hash = '#' + this.id + '=' + keys.map(encodeURIComponent).join('/');
    if (location.hash === hash) { this.show(keys, true); } else { location.hash = hash; }
  };

  Tree.prototype.show = function (keys, moveFocus) {
    var w = this.walk(keys);
    this.keys = w.trail.map(function (s) { return s.answer.key; });
    var self = this;
    Object.keys(this.nodes).forEach(function (k) {
      self.nodes[k].classList.toggle('kb-current', k === w.current);
    });
    this.renderPath(w.trail);
    var node = this.nodes[w.current];
    if (moveFocus && node) {
      node.focus({ preventScroll: true });
      node.scrollIntoView({ block: 'nearest' });
      var verdict = node.querySelector('.kb-tree-verdict');
      this.status.textContent = verdict
        ? 'Outcome: ' + verdict.textContent.trim()
        : 'Question ' + (w.trail.length + 1) + ': ' + this.question(node);
    }
  };

  /* The answers so far, each a button back to that question, and restart. */
  Tree.prototype.renderPath = function (trail) {
    var list = this.path;
    while (list.firstChild) { list.removeChild(list.firstChild); }
    trail.forEach(function (step, i) {
      var li = document.createElement('li');
      var b = document.createElement('button');
      b.type = 'button';
      b.className = 'kb-tree-step';
      b.setAttribute('data-kb-back', String(i));
      // Screen readers hear what the button does; everyone sees the step.
      var hint = document.createElement('span');
      hint.className = 'kb-visually-hidden';
      hint.textContent = 'Change your answer: ';
      b.appendChild(hint);
      b.appendChild(document.createTextNode(step.question + ' '));
      var a = document.createElement('strong');
      a.textContent = step.answer.label;
      b.appendChild(a);
      li.appendChild(b);
      list.appendChild(li);
    });
    if (trail.length) {
      var li = document.createElement('li');
      var r = document.createElement('button');
      r.type = 'button';
      r.className = 'kb-tree-restart';
      r.setAttribute('data-kb-restart', '');
      r.textContent = 'Start again';
      li.appendChild(r);
      list.appendChild(li);
    }
    list.hidden = trail.length === 0;
  };

  Tree.prototype.init = function () {
    if (!this.start || !this.path || !this.status) { return; }
    var self = this;
    this.section.classList.add('kb-js');
    this.section.addEventListener('click', function (e) {
      var t = e.target.closest ? e.target : e.target.parentElement;
      var answer = t.closest('[data-kb-answer]');
      var back = t.closest('[data-kb-back]');
      var restart = t.closest('[data-kb-restart]');
      if (answer) {
        e.preventDefault();
        self.go(self.keys.concat([answer.getAttribute('data-kb-answer')]));
      } else if (back) {
        self.go(self.keys.slice(0, parseInt(back.getAttribute('data-kb-back'), 10)));
      } else if (restart) {
        e.preventDefault();
        self.go([]);
      }
    });
    window.addEventListener('hashchange', function () {
      var keys = self.fromHash();
      if (keys) { self.show(keys, true); }
    });
    var keys = this.fromHash();
    this.show(keys || [], false);
    if (keys) { this.section.scrollIntoView(); }
  };

  each(document.querySelectorAll('[data-kb-tree]'), function (s) { new Tree(s).init(); });

  /* ---------- In-page contents: the section being read ---------- */

  /* Marks the contents link of the last heading scrolled past (or the
     first one) with aria-current, checked once per frame while scrolling. */
  function TocSpy(nav) {
    this.links = [];
    this.heads = [];
    var self = this;
    each(nav.querySelectorAll('a[href^="#"]'), function (a) {
      var h = document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)));
      if (h) { self.links.push(a); self.heads.push(h); }
    });
  }

  TocSpy.prototype.update = function () {
    var current = 0;
    for (var i = 0; i < this.heads.length; i++) {
      if (this.heads[i].getBoundingClientRect().top <= 96) { current = i; } else { break; }
    }
    this.links.forEach(function (a, k) {
      if (k === current) { a.setAttribute('aria-current', 'location'); } else { a.removeAttribute('aria-current'); }
    });
  };

  TocSpy.prototype.init = function () {
    if (!this.heads.length) { return; }
    var self = this;
    var queued = false;
    window.addEventListener('scroll', function () {
      if (queued) { return; }
      queued = true;
      window.requestAnimationFrame(function () { queued = false; self.update(); });
    }, { passive: true });
    this.update();
  };

  each(document.querySelectorAll('.kb-toc'), function (n) { new TocSpy(n).init(); });

  /* ---------- Code blocks: a copy button each ----------
   * The button copies the block's exact text (its last newline aside) and
   * says so aloud through one polite status region. The Clipboard API
   * where the page may use it, else a selected textarea and the copy
   * command, which also works from file://. */

  var copyStatus = null;
  function announce(text) {
    if (!copyStatus) {
      copyStatus = document.createElement('div');
      copyStatus.className = 'kb-visually-hidden';
      copyStatus.setAttribute('role', 'status');
      copyStatus.setAttribute('aria-live', 'polite');
      document.body.appendChild(copyStatus);
    }
    copyStatus.textContent = '';
    window.setTimeout(function () { copyStatus.textContent = text; }, 50);
  }

  function copyWithCommand(text) {
    var area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.top = '0';
    area.style.opacity = '0';
    document.body.appendChild(area);
    area.select();
    var done = false;
    try { done = document.execCommand('copy'); } catch (e) { done = false; }
    document.body.removeChild(area);
    return done;
  }

  function copyText(text, then) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { then(true); },
        function () { then(copyWithCommand(text)); });
    } else {
      then(copyWithCommand(text));
    }
  }

  function addCopyButton(pre) {
    var code = pre.querySelector('code') || pre;
    // A block wider than the page scrolls: keyboard users must reach it.
    if (pre.scrollWidth > pre.clientWidth) {
      pre.tabIndex = 0;
      pre.setAttribute('role', 'region');
      pre.setAttribute('aria-label', 'Code, scrolls sideways');
    }
    var box = document.createElement('div');
    box.className = 'kb-code';
    pre.parentNode.insertBefore(box, pre);
    box.appendChild(pre);
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'kb-copy';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', 'Copy code');
    box.appendChild(button);
    button.addEventListener('click', function () {
      var text = code.textContent.replace(/\n$/, '');
      copyText(text, function (ok) {
        button.textContent = ok ? 'Copied' : 'Copy failed';
        announce(ok ? 'Code copied to the clipboard' : 'The code could not be copied; select it and copy it yourself');
        window.setTimeout(function () { button.textContent = 'Copy'; }, 2000);
      });
    });
  }

  each(document.querySelectorAll('main pre'), function (pre) {
    if (!pre.closest('.kb-tree-outline')) { addCopyButton(pre); }
  });

  /* ---------- Search ---------- */

  var core = window.kbsiteSearchCore;
  var me = document.querySelector('script[data-kb-root]');
  var ROOT = me ? me.getAttribute('data-kb-root') : '';

  /* Loads a shard with <script>, the one way that works from file://. */
  function loadScript(url, name, done) {
    var s = document.createElement('script');
    s.src = url;
    s.async = true;
    s.onload = function () { done(null, 0); };
    s.onerror = function () { done(new Error('cannot load ' + url)); };
    document.head.appendChild(s);
  }

  var index = null;
  function getIndex() {
    if (!index && core) { index = new core.Index(ROOT + 'search/', loadScript); }
    return index;
  }

  /* Text with the matched words in <mark>, as DOM nodes. */
  function marked(text, terms) {
    var frag = document.createDocumentFragment();
    core.highlight(text, terms).forEach(function (part) {
      if (part.mark) {
        var m = document.createElement('mark');
        m.textContent = part.text;
        frag.appendChild(m);
      } else {
        frag.appendChild(document.createTextNode(part.text));
      }
    });
    return frag;
  }

  /* The part of a result's text around its first matches. */
  function snippet(text, terms) {
    var parts = core.highlight(text, terms);
    var first = -1;
    var pos = 0;
    for (var i = 0; i < parts.length; i++) {
      if (parts[i].mark) { first = pos; break; }
      pos += parts[i].text.length;
    }
    if (first < 0 || first < 80) { return text.length > 200 ? text.slice(0, 200) + '…' : text; }
    var start = text.lastIndexOf(' ', first - 60);
    var cut = text.slice(start + 1, start + 201);
    return '…' + cut + (start + 201 < text.length ? '…' : '');
  }

  function resultNode(r, terms, tag) {
    var el = document.createElement(tag);
    var a = document.createElement('a');
    a.href = ROOT + r.url;
    a.className = 'kb-result';
    var title = document.createElement('span');
    title.className = 'kb-result-title';
    title.appendChild(marked(r.title, terms));
    a.appendChild(title);
    var meta = document.createElement('span');
    meta.className = 'kb-result-meta';
    meta.textContent = [r.section, r.kb ? 'KB ' + r.kb : ''].filter(Boolean).join(' · ');
    a.appendChild(meta);
    var text = document.createElement('span');
    text.className = 'kb-result-snippet';
    text.appendChild(marked(snippet(r.text, terms), terms));
    a.appendChild(text);
    el.appendChild(a);
    return { item: el, link: a };
  }

  /* The header box: results as you type, arrows and Enter, Escape. */
  function SearchBox(input) {
    this.input = input;
    this.form = input.form;
    this.list = document.getElementById(input.getAttribute('aria-controls'));
    this.active = -1;
    this.seq = 0;
    this.options = [];
  }

  SearchBox.prototype.init = function () {
    var self = this;
    this.input.addEventListener('input', function () { self.query(); });
    this.input.addEventListener('keydown', function (e) { self.key(e); });
    this.input.addEventListener('focus', function () { if (self.options.length) { self.open(true); } });
    document.addEventListener('click', function (e) {
      if (!self.form.contains(e.target)) { self.open(false); }
    });
  };

  SearchBox.prototype.open = function (on) {
    this.list.hidden = !on;
    this.input.setAttribute('aria-expanded', on ? 'true' : 'false');
    if (!on) { this.select(-1); }
  };

  SearchBox.prototype.select = function (i) {
    this.options.forEach(function (o, k) { o.setAttribute('aria-selected', k === i ? 'true' : 'false'); });
    this.active = i;
    if (i >= 0) {
      this.input.setAttribute('aria-activedescendant', this.options[i].id);
      this.options[i].scrollIntoView({ block: 'nearest' });
    } else {
      this.input.removeAttribute('aria-activedescendant');
    }
  };

  SearchBox.prototype.key = function (e) {
    var n = this.options.length;
    if (e.key === 'ArrowDown' && n) {
      e.preventDefault();
      this.open(true);
      this.select((this.active + 1) % n);
    } else if (e.key === 'ArrowUp' && n) {
      e.preventDefault();
      this.select(this.active <= 0 ? n - 1 : this.active - 1);
    } else if (e.key === 'Enter' && this.active >= 0) {
      e.preventDefault();
      window.location.href = this.options[this.active].href;
    } else if (e.key === 'Enter' && n && !this.list.hidden) {
      // Enter on the box: the best result.
      e.preventDefault();
      window.location.href = this.options[0].href;
    } else if (e.key === 'Escape') {
      this.open(false);
    }
  };

  SearchBox.prototype.query = function () {
    var q = this.input.value;
    var seq = ++this.seq;
    var self = this;
    if (!q.trim()) { this.show(null); return; }
    var idx = getIndex();
    if (!idx) { return; }
    idx.search(q, 8).then(function (r) {
      if (seq === self.seq) { self.show(r, q); }
    }, function () {
      if (seq === self.seq) { self.show({ results: [], total: 0, terms: [], suggestions: [], failed: true }, q); }
    });
  };

  SearchBox.prototype.show = function (r, q) {
    var list = this.list;
    while (list.firstChild) { list.removeChild(list.firstChild); }
    this.options = [];
    this.active = -1;
    if (!r) { this.open(false); return; }
    var self = this;
    r.results.forEach(function (res, i) {
      var node = resultNode(res, r.terms, 'div');
      node.link.id = 'kb-search-option-' + i;
      node.link.setAttribute('role', 'option');
      node.link.setAttribute('aria-selected', 'false');
      list.appendChild(node.link);
      self.options.push(node.link);
    });
    var foot = document.createElement('a');
    foot.className = 'kb-results-all';
    foot.href = ROOT + 'search/index.html?q=' + encodeURIComponent(q);
    foot.id = 'kb-search-option-all';
    foot.setAttribute('role', 'option');
    foot.setAttribute('aria-selected', 'false');
    if (r.failed) {
      foot.textContent = 'Search is not available.';
    } else if (!r.results.length) {
      foot.textContent = 'No results' + (r.suggestions.length ? '. Did you mean: ' + r.suggestions.join(', ') + '?' : '.');
    } else {
      foot.textContent = 'See all ' + r.total + ' results';
    }
    list.appendChild(foot);
    this.options.push(foot);
    this.open(true);
  };

  /* The results page: ?q=…&product=…&service=… */
  function SearchPage(form) {
    this.form = form;
    this.input = form.querySelector('[data-kb-search]');
    this.list = document.querySelector('ol[data-kb-results]');
    this.summary = document.querySelector('[data-kb-summary]');
    this.filters = form.querySelectorAll('[data-kb-filter]');
    this.seq = 0;
  }

  SearchPage.prototype.init = function () {
    var self = this;
    var params = new URLSearchParams(window.location.search);
    this.input.value = params.get('q') || '';
    var idx = getIndex();
    idx.facets().then(function (f) {
      each(self.filters, function (sel) {
        var name = sel.getAttribute('data-kb-filter');
        Object.keys(f[name] || {}).sort().forEach(function (v) {
          var o = document.createElement('option');
          o.value = v;
          o.textContent = v + ' (' + f[name][v].length + ')';
          sel.appendChild(o);
        });
        sel.value = params.get(name) || '';
      });
      self.run();
    });
    this.form.addEventListener('submit', function (e) { e.preventDefault(); self.run(); });
    this.input.addEventListener('input', function () { self.run(); });
    each(this.filters, function (sel) { sel.addEventListener('change', function () { self.run(); }); });
  };

  SearchPage.prototype.run = function () {
    var self = this;
    var q = this.input.value;
    var filters = {};
    var params = new URLSearchParams();
    if (q) { params.set('q', q); }
    each(this.filters, function (sel) {
      var name = sel.getAttribute('data-kb-filter');
      filters[name] = sel.value;
      if (sel.value) { params.set(name, sel.value); }
    });
    var qs = params.toString();
    history.replaceState(null, '', qs ? '?' + qs : window.location.pathname);
    var seq = ++this.seq;
    if (!q.trim()) { this.render(null); return; }
    getIndex().search(q, 50, filters).then(function (r) {
      if (seq === self.seq) { self.render(r); }
    });
  };

  SearchPage.prototype.render = function (r) {
    var list = this.list;
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!r) { this.summary.textContent = ''; return; }
    if (!r.results.length) {
      this.summary.textContent = 'No results.' + (r.suggestions.length ? ' Did you mean: ' + r.suggestions.join(', ') + '?' : '');
      return;
    }
    this.summary.textContent = r.total + (r.total === 1 ? ' result' : ' results') +
      (r.total > r.results.length ? ', the first ' + r.results.length + ' shown' : '');
    r.results.forEach(function (res) { list.appendChild(resultNode(res, r.terms, 'li').item); });
  };

  if (core) {
    each(document.querySelectorAll('input[data-kb-search][role="combobox"]'), function (i) { new SearchBox(i).init(); });
    var page = document.querySelector('[data-kb-search-page]');
    if (page) { new SearchPage(page).init(); }
    // `/` focuses the search box, unless the reader is typing somewhere.
    document.addEventListener('keydown', function (e) {
      var t = e.target;
      var typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
      if (e.key === '/' && !typing && !e.ctrlKey && !e.metaKey && !e.altKey) {
        var box = document.querySelector('input[data-kb-search]');
        if (box) { e.preventDefault(); box.focus(); }
      }
    });
  }
})();
