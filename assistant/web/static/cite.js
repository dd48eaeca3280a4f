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
    const card = (root.getElementById ? root : document).getElementById(
      a.getAttribute('href').slice(1));
    if (!card) return;
    card.open = true;
    card.classList.add('flash');
    setTimeout(() => card.classList.remove('flash'), 1500);
    card.scrollIntoView({behavior: 'smooth', block: 'nearest'});
  });
})();
