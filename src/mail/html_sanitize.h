// HTML made safe to show: chatter message bodies posted over the API, incoming HTML email and
// html fields written by users are untrusted, and are later shown in a web interface, so what is
// stored must never carry script. This is the engine's counterpart of Odoo's html_sanitize in the
// mode its message bodies use (tags and attributes from allow-lists, styles filtered to a list of
// properties), written independently: the HTML is read by libxml2's HTML parser (lenient, as
// browsers are) and written back from allow-lists, never patched with patterns, so that nothing
// the parser did not see as markup of a listed element can come out as markup.
//
// Thread-safety: may be called from any number of threads at once; nothing is shared between
// calls (libxml2 is initialised once per process, on first use).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace autorules::mail {

struct SanitizeOptions {
  // Style attributes are kept, filtered to a list of harmless properties (fonts, colours, text
  // alignment and decoration, margins, padding, borders, sizes, table layout, display, float,
  // vertical-align, white-space, opacity) whose values are plain (words, numbers, lengths,
  // colours, quoted font names, rgb()/hsl()/calc()): no url(), expression(), escapes, comments,
  // behavior, -moz-binding, position (fixed or absolute content over the page), ... False: every
  // style attribute is dropped (Odoo's strip_style).
  bool keep_style = true;
  // class attributes are kept (false: Odoo's strip_classes).
  bool keep_classes = true;
  // Larger input is refused (common::ValueError naming the limit).
  std::size_t max_bytes = 4u << 20;
  // Elements nested deeper are unwrapped (their text and shallower content kept): the output
  // never nests more deeply, whatever the input, and nothing recurses over the input's depth.
  int max_depth = 200;
};

// `html` made safe to show, as an HTML fragment (no <html>, <head> or <body>) in UTF-8.
//
// Kept: the formatting and structure elements of email and rich text (p, div, span, br, hr, a,
// b, i, u, s, em, strong, small, big, sub, sup, font, code, pre, kbd, samp, var, tt, q, cite,
// abbr, acronym, dfn, del, ins, mark, bdi, bdo, blockquote, address, center, headings h1-h6,
// lists ul/ol/li/dl/dt/dd/menu/dir, tables with caption, colgroup, col, thead, tbody, tfoot, tr,
// th and td, img, fieldset/legend/label, and HTML5's section, article, aside, header, footer,
// hgroup, nav, main, figure, figcaption). Each keeps only attributes of a list (presentation:
// align, valign, width, height, border, colspan, bgcolor, color, face, size, ...; identity: id,
// name, title, alt, lang, dir, class; links: href, src, cite, target, rel; and the data-o-mail-*
// and data-oe-* markers of Odoo's editor and quote detection). No event handler (on*) or any
// other attribute survives.
// URLs (href, src, cite) are kept when relative or with a safe scheme: http, https, mailto, tel,
// cid, and for an img's src also data:image/ in PNG, JPEG, GIF, WebP or BMP (SVG can carry
// script). Schemes are read as browsers read them (entities decoded, tabs and line breaks
// inside removed, leading blanks and controls ignored, any case), so "jav&#x09;ascript:" or
// "JaVaScRiPt:" is recognised and dropped with its attribute.
// Dropped with their content: script, style, the head (title, meta, link, base), frames and
// iframes, object, embed, applet, param, noscript, form controls (input, button, select,
// textarea), svg and math (whose content parses otherwise in browsers), template, media (audio,
// video, canvas) and the like. Unwrapped (their tags dropped, their text and allowed content
// kept): html, body, form, and any element not listed above.
// Comments, processing instructions, CDATA sections and doctypes are removed. Text and attribute
// values are escaped again (&, <, >, and " in values; a no-break space is written &nbsp;), so
// entities read as text stay text. Invalid UTF-8 becomes U+FFFD; NUL and other control
// characters (but tab, line feed and carriage return) are removed.
//
// Malformed HTML is repaired as a browser would (unclosed elements closed, stray end tags
// ignored); text outside any element at the start is wrapped in <p>, as libxml2 (and Odoo's
// lxml) read it. The result is stable: sanitizing it again gives it back unchanged. Empty input
// gives "". Throws common::ValueError when `html` is longer than options.max_bytes, nothing else
// (but std::bad_alloc).
std::string sanitize_html(std::string_view html, const SanitizeOptions& options = {});

}  // namespace autorules::mail
