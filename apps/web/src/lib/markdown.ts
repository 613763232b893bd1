// A deliberately small Markdown renderer for queue instructions. The whole source is HTML-escaped first,
// so the only tags in the result are the ones added here; links keep http(s) targets only.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

const FENCE = /^\s*```/;
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const BULLET = /^\s*[-*+]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,9}[.)]\s+(.*)$/;
const QUOTE = /^\s*&gt;\s?(.*)$/;
const SAFE_URL = /^https?:\/\/[^\s]+$/i;

/** Markdown (a safe subset) to HTML. */
export function renderMarkdown(source: string): string {
  // NUL is the placeholder marker used by `inline`, so it may not come from the source.
  const lines = escapeHtml(source.replace(/\0/g, '').replace(/\r\n?/g, '\n')).split('\n');
  const html: string[] = [];
  let i = 0;
  const at = (n: number) => lines[n] ?? '';
  const startsBlock = (line: string) =>
    FENCE.test(line) ||
    HEADING.test(line) ||
    RULE.test(line) ||
    BULLET.test(line) ||
    NUMBERED.test(line) ||
    QUOTE.test(line);

  while (i < lines.length) {
    const line = at(i);
    if (line.trim() === '') {
      i++;
    } else if (FENCE.test(line)) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !FENCE.test(at(i))) code.push(at(i++));
      i++;
      html.push(`<pre><code>${code.join('\n')}</code></pre>`);
    } else if (HEADING.test(line)) {
      const [, hashes = '#', text = ''] = HEADING.exec(line) ?? [];
      html.push(`<h${hashes.length}>${inline(text)}</h${hashes.length}>`);
      i++;
    } else if (RULE.test(line)) {
      html.push('<hr>');
      i++;
    } else if (BULLET.test(line) || NUMBERED.test(line)) {
      const pattern = BULLET.test(line) ? BULLET : NUMBERED;
      const items: string[] = [];
      while (i < lines.length && pattern.test(at(i))) {
        items.push(`<li>${inline(pattern.exec(at(i))?.[1] ?? '')}</li>`);
        i++;
      }
      const tag = pattern === BULLET ? 'ul' : 'ol';
      html.push(`<${tag}>${items.join('')}</${tag}>`);
    } else if (QUOTE.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && QUOTE.test(at(i))) quoted.push(QUOTE.exec(at(i++))?.[1] ?? '');
      html.push(`<blockquote><p>${inline(quoted.join(' '))}</p></blockquote>`);
    } else {
      const paragraph: string[] = [];
      while (i < lines.length && at(i).trim() !== '' && (paragraph.length === 0 || !startsBlock(at(i)))) {
        paragraph.push(at(i++).trim());
      }
      html.push(`<p>${inline(paragraph.join(' '))}</p>`);
    }
  }
  return html.join('\n');
}

/** Inline spans of already-escaped text: code, links, bold, italics. */
function inline(text: string): string {
  const held: string[] = [];
  const hold = (html: string) => `\0${held.push(html) - 1}\0`;
  let s = text.replace(/`([^`]+)`/g, (_, code: string) => hold(`<code>${code}</code>`));
  s = s.replace(/\[([^\]]+)\]\(([^()\s]+)\)/g, (_, label: string, url: string) =>
    SAFE_URL.test(url)
      ? hold(`<a href="${url}" target="_blank" rel="noopener noreferrer">${emphasis(label)}</a>`)
      : label,
  );
  s = emphasis(s);
  return s.replace(/\0(\d+)\0/g, (_, n: string) => held[Number(n)] ?? '');
}

function emphasis(text: string): string {
  return text
    .replace(/\*\*(?=\S)(.+?)\*\*/g, '<strong>$1</strong>')
    .replace(/(^|[^\w])__(?=\S)(.+?)__(?=[^\w]|$)/g, '$1<strong>$2</strong>')
    .replace(/\*(?=\S)(.+?)\*/g, '<em>$1</em>')
    .replace(/(^|[^\w])_(?=\S)(.+?)_(?=[^\w]|$)/g, '$1<em>$2</em>');
}
