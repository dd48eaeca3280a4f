(() => {
  if (window.__assistantCites) return;
  window.__assistantCites = true;
  const copyText = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {}
    const t = document.createElement('textarea');  // plain-http intranets: no clipboard API
    t.value = text; t.style.position = 'fixed'; t.style.opacity = '0';
    document.body.appendChild(t); t.select();
    try { return document.execCommand('copy'); } finally { t.remove(); }
  };
  const plain = (msg) => {
    const answer = msg.querySelector('.answer');
    const lines = [answer ? answer.innerText.trim() : ''];
    const cards = msg.querySelectorAll('details.source');
    if (cards.length) lines.push('', 'Sources:');
    cards.forEach((card) => {
      const link = card.querySelector('a[href^="http"]');
      const summary = card.querySelector('summary');
      lines.push((summary ? summary.innerText.trim() : '') + (link ? ' ' + link.href : ''));
    });
    return lines.join(String.fromCharCode(10));
  };
  // The feedback controls (#feedback) go under the answer whose thumb was clicked, so
  // the comment box sits with the answer it rates, not under the question box.
  // The thumbs' own handler stops the click: it is seen on the way down (capture). The
  // rated answer is remembered by position: Gradio may redraw its buttons.
  let rated = null;  // [root, index among the chat's .message-buttons]
  const roots = () => [document, ...[...document.querySelectorAll('gradio-app')]
    .map((g) => g.shadowRoot).filter(Boolean)];
  const place = () => {
    if (!rated) return;
    const [root, i] = rated;
    const after = root.querySelectorAll('#chat .message-buttons')[i];
    const box = root.querySelector('#feedback');
    if (after && box && after.nextElementSibling !== box) after.after(box);
  };
  document.addEventListener('click', (ev) => {
    const path = ev.composedPath ? ev.composedPath() : [ev.target];
    const thumb = path.find((e) => e instanceof Element && e.matches(
      '#chat .message-buttons button[aria-label="Like"], '
      + '#chat .message-buttons button[aria-label="Dislike"]'));
    if (!thumb) return;
    const root = thumb.getRootNode();
    rated = [root, [...root.querySelectorAll('#chat .message-buttons')].indexOf(
      thumb.closest('.message-buttons'))];
    place();
  }, true);
  // Gradio labels each message with its HTML ("bot's message: <div class=…"): a screen
  // reader should read the answer's words.
  const label = () => {
    for (const root of roots()) {
      for (const m of root.querySelectorAll('#chat [data-testid][aria-label]')) {
        const who = m.dataset.testid === 'bot' ? 'Answer' : 'Question';
        const words = (m.querySelector('.answer') || m).innerText.trim().replace(/\s+/g, ' ');
        const want = who + ': ' + words.slice(0, 500);
        if (m.getAttribute('aria-label') !== want) m.setAttribute('aria-label', want);
      }
    }
  };
  let queued = false;  // at most once a frame, however many mutations a stream makes
  const watch = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; label(); place(); });
  };
  new MutationObserver(watch).observe(document.documentElement, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['aria-label']});
  document.addEventListener('click', (ev) => {
    const path = ev.composedPath ? ev.composedPath() : [ev.target];
    const el = (sel) => path.find((e) => e instanceof Element && e.matches(sel));
    const copy = el('a.copy-answer');
    if (copy) {
      ev.preventDefault();
      const msg = copy.closest('[data-testid="bot"]') || copy.parentElement.parentElement;
      copyText(plain(msg)).then((ok) => {
        copy.textContent = ok ? 'Copied ✓' : 'Copy failed';
        setTimeout(() => { copy.textContent = 'Copy answer'; }, 1500);
      });
      return;
    }
    const a = el('a.cite');
    if (!a) return;
    ev.preventDefault();
    const root = a.getRootNode();
    const found = (root.getElementById ? root : document).getElementById(
      a.getAttribute('href').slice(1));
    if (!found) return;
    // [n] names a cited sentence inside its article's card (or an anchor beside it)
    const card = found.closest('details.source');
    const sentence = found.closest('blockquote') || found;
    if (card) card.open = true;
    sentence.classList.add('flash');
    setTimeout(() => sentence.classList.remove('flash'), 1500);
    sentence.scrollIntoView({behavior: 'smooth', block: 'nearest'});
  });
})();
