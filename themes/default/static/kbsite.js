/* kbsite theme script. No dependencies, no network: it works from file://.
 * Decision trees: one question at a time, the answers so far (each one
 * clickable to go back), restart, keyboard use, focus moved to each new step
 * and announced, and the walk kept in the hash (#TREEID=answer/answer) so
 * reload, back/forward and shared links restore it. Without this script the
 * tree still works through links and CSS :target. */
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
})();
