// HTML from the server (message bodies, activity notes) shown with its formatting but without
// trusting it: the HTML is parsed by the browser into an inert document (DOMParser runs no
// script and loads nothing), then rebuilt as Preact elements from a short list of formatting
// tags. No attribute is kept except a link's address, and only web and mail addresses.
// Nothing is ever given to innerHTML.

const KEEP = new Set(["p", "br", "div", "span", "b", "strong", "i", "em", "u", "s", "strike", "del",
  "ul", "ol", "li", "blockquote", "pre", "code", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
  "table", "thead", "tbody", "tr", "td", "th", "a", "small", "sub", "sup"]);
// Dropped with everything inside them.
const DROP = new Set(["script", "style", "template", "iframe", "object", "embed", "noscript",
  "head", "title", "meta", "link", "svg", "math", "form", "input", "button", "select", "textarea"]);
// Headings inside a message would shout; they become bold paragraphs.
const HEADINGS = new Set(["h1", "h2", "h3", "h4", "h5", "h6"]);

// Only absolute web and mail addresses: a missing, relative or script address is no link.
function safeHref(href) {
  if (!/^\s*(https?:\/\/|mailto:)/i.test(href)) return null;
  try {
    const url = new URL(href.trim());
    return ["http:", "https:", "mailto:"].includes(url.protocol) ? url.href : null;
  } catch (e) {
    return null;
  }
}

function convert(node, key) {
  if (node.nodeType === Node.TEXT_NODE) return node.nodeValue;
  if (node.nodeType !== Node.ELEMENT_NODE) return null;
  const tag = node.localName;
  if (DROP.has(tag)) return null;
  const children = Array.from(node.childNodes, (child, i) => convert(child, i));
  if (!KEEP.has(tag)) return children; // unknown tags are unwrapped: their text stays
  if (HEADINGS.has(tag)) return <p key={key}><strong>{children}</strong></p>;
  if (tag === "br" || tag === "hr") {
    const Tag = tag;
    return <Tag key={key} />;
  }
  if (tag === "a") {
    const href = safeHref(node.getAttribute("href") || "");
    return href
      ? <a key={key} href={href} target="_blank" rel="noopener noreferrer nofollow">{children}</a>
      : <span key={key}>{children}</span>;
  }
  const Tag = tag;
  return <Tag key={key}>{children}</Tag>;
}

// true when the text holds HTML elements (else it is plain text, whose line breaks matter).
export function looksLikeHtml(text) {
  return /<[a-z][\s\S]*>/i.test(text || "");
}

// The body as elements. Plain text (a message posted without HTML, escaped by the server)
// comes back as its text, shown with its line breaks by the caller's CSS.
export function SafeHtml({ html, class: className, testId }) {
  const text = html || "";
  const doc = new DOMParser().parseFromString(text, "text/html");
  if (!looksLikeHtml(text)) {
    return <div class={`${className || ""} plain`} data-test={testId}>{doc.body.textContent}</div>;
  }
  return <div class={className} data-test={testId}>{Array.from(doc.body.childNodes, (n, i) => convert(n, i))}</div>;
}
