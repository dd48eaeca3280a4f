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
