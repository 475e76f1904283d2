// HTML made safe to show (mail/html_sanitize.h). libxml2's HTML parser reports elements and text
// as it reads them (SAX) and the safe part is written as it comes, from allow-lists: no tree is
// built and nothing recurses, so the cost is the input's size and the stack of open elements.
// What the parser reads as text is always written escaped, and only names from the lists below
// are ever written as tags or attributes, so the output holds no markup the parser did not see.
#include "mail/html_sanitize.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/errors.h"
#include "common/text.h"
#include "mail/internal/html_limits.h"

namespace autorules::mail {

// A namespace of its own: the library is compiled in batches (unity build), and the other
// libxml2 users of this directory have helpers of the same names.
namespace sanitizing {
namespace {

// libxml2's global state is set up once, before any thread parses.
void init_libxml2() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

// ---------------------------------------------------------------------------------------------
// Input: valid UTF-8 without control characters.

// Length of the valid UTF-8 sequence at the start of `text` (not empty), 0 when there is none.
std::size_t utf8_sequence_length(std::string_view text) {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = at(0);
  if (lead < 0x80)
    return 1;
  std::size_t length = 0;
  char32_t code_point = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
    code_point = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    code_point = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    code_point = lead & 0x07u;
  } else {
    return 0;
  }
  if (text.size() < length)
    return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((at(i) & 0xC0u) != 0x80u)
      return 0;
    code_point = (code_point << 6) | (at(i) & 0x3Fu);
  }
  if ((length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000) ||
      (code_point >= 0xD800 && code_point <= 0xDFFF) || code_point > 0x10FFFF)
    return 0;
  // U+FFFE and U+FFFF are not characters (libxml2 would stop at them).
  if (code_point == 0xFFFE || code_point == 0xFFFF)
    return 0;
  return length;
}

// `html` as the parser reads it: an invalid byte becomes U+FFFD; NUL (which would end the
// parser's input) and the other control characters are removed, but tab, line feed and carriage
// return; a form feed becomes a space.
std::string clean_input(std::string_view html) {
  std::string clean;
  clean.reserve(html.size());
  while (!html.empty()) {
    const std::size_t length = utf8_sequence_length(html);
    if (length == 0) {
      common::utf8_append(clean, U'\uFFFD');
      html.remove_prefix(1);
      continue;
    }
    const char c = html.front();
    if (length > 1 || c == '\t' || c == '\n' || c == '\r' || static_cast<unsigned char>(c) >= 0x20)
      clean.append(html.substr(0, length));
    else if (c == '\f')
      clean.push_back(' ');
    html.remove_prefix(length);
  }
  return clean;
}

// ---------------------------------------------------------------------------------------------
// The lists.

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size())
    return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (ascii_lower(text[i]) != prefix[i])
      return false;
  }
  return true;
}

template <std::size_t N>
bool listed(const std::array<std::string_view, N>& sorted, std::string_view name) {
  return std::binary_search(sorted.begin(), sorted.end(), name);
}

template <std::size_t N>
constexpr bool is_sorted_list(const std::array<std::string_view, N>& list) {
  for (std::size_t i = 1; i < N; ++i) {
    if (!(list[i - 1] < list[i]))
      return false;
  }
  return true;
}

// Elements written out (sorted). Those of Odoo's list (lxml's HTML 4 body elements and a few of
// HTML5's sectioning ones) that hold text and formatting, without forms, frames, embedded
// objects, image maps and scripts.
constexpr std::array<std::string_view, 79> kKeptElements = {
    "a",       "abbr",     "acronym",    "address",  "article",    "aside",  "b",      "bdi",
    "bdo",     "big",      "blockquote", "br",       "caption",    "center", "cite",   "code",
    "col",     "colgroup", "dd",         "del",      "details",    "dfn",    "dir",    "div",
    "dl",      "dt",       "em",         "fieldset", "figcaption", "figure", "font",   "footer",
    "h1",      "h2",       "h3",         "h4",       "h5",         "h6",     "header", "hgroup",
    "hr",      "i",        "img",        "ins",      "kbd",        "label",  "legend", "li",
    "main",    "mark",     "menu",       "nav",      "ol",         "p",      "pre",    "q",
    "s",       "samp",     "section",    "small",    "span",       "strike", "strong", "sub",
    "summary", "sup",      "table",      "tbody",    "td",         "tfoot",  "th",     "thead",
    "time",    "tr",       "tt",         "u",        "ul",         "var",    "wbr",
};

// Elements dropped with everything inside them (sorted): what runs, loads or embeds something,
// the document's head, form controls, and foreign content (svg, math) that browsers parse by
// other rules than HTML's.
constexpr std::array<std::string_view, 36> kDroppedElements = {
    "applet", "audio",    "base",      "basefont", "bgsound",  "button",   "canvas",  "datalist",
    "embed",  "frame",    "frameset",  "head",     "iframe",   "input",    "isindex", "keygen",
    "link",   "math",     "meta",      "noembed",  "noframes", "noscript", "object",  "optgroup",
    "option", "param",    "plaintext", "portal",   "script",   "select",   "source",  "style",
    "svg",    "template", "textarea",  "title",
};

// Attributes written out (sorted), on any kept element; the URL ones are checked (safe_url), and
// style filtered (filter_style).
constexpr std::array<std::string_view, 64> kKeptAttributes = {
    "abbr",
    "align",
    "alt",
    "axis",
    "bgcolor",
    "border",
    "cellpadding",
    "cellspacing",
    "char",
    "charoff",
    "cite",
    "class",
    "clear",
    "color",
    "cols",
    "colspan",
    "compact",
    "data-class",
    "data-file-name",
    "data-id",
    "data-mimetype",
    "data-o-mail-quote",
    "data-o-mail-quote-node",
    "data-oe-expression",
    "data-oe-field",
    "data-oe-id",
    "data-oe-model",
    "data-oe-nodeid",
    "data-oe-protected",
    "data-oe-type",
    "data-res_id",
    "datetime",
    "dir",
    "face",
    "frame",
    "headers",
    "height",
    "href",
    "hreflang",
    "hspace",
    "id",
    "label",
    "lang",
    "name",
    "noshade",
    "nowrap",
    "open",
    "rel",
    "rev",
    "rows",
    "rowspan",
    "rules",
    "scope",
    "size",
    "span",
    "src",
    "start",
    "style",
    "summary",
    "target",
    "title",
    "type",
    "valign",
    "width",
};

// CSS properties kept in style attributes (sorted): Odoo's list for message bodies (text, colour,
// box, border and table properties).
constexpr std::array<std::string_view, 63> kKeptStyleProperties = {
    "background-color",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-left-radius",
    "border-bottom-right-radius",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-left-radius",
    "border-top-right-radius",
    "border-top-style",
    "border-top-width",
    "border-width",
    "caption-side",
    "color",
    "display",
    "empty-cells",
    "float",
    "font-family",
    "font-size",
    "font-style",
    "font-weight",
    "height",
    "letter-spacing",
    "line-height",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "max-width",
    "min-height",
    "min-width",
    "opacity",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "table-layout",
    "text-align",
    "text-decoration",
    "text-transform",
    "vertical-align",
    "white-space",
    "width",
    "word-break",
    "word-wrap",
};

// CSS functions a kept value may call (sorted): colours and arithmetic, nothing that loads.
constexpr std::array<std::string_view, 5> kKeptStyleFunctions = {"calc", "hsl", "hsla", "rgb",
                                                                 "rgba"};

static_assert(is_sorted_list(kKeptElements));
static_assert(is_sorted_list(kDroppedElements));
static_assert(is_sorted_list(kKeptAttributes));
static_assert(is_sorted_list(kKeptStyleProperties));
static_assert(is_sorted_list(kKeptStyleFunctions));

// Elements that have no content nor end tag.
bool is_void(std::string_view name) {
  return name == "br" || name == "hr" || name == "img" || name == "col" || name == "wbr";
}

enum class Treatment { kKeep, kUnwrap, kDrop, kDropTag };

Treatment treatment_of(std::string_view name) {
  if (name == "embed" || name == "source" || name == "track" || name == "keygen" ||
      name == "bgsound")
    return Treatment::kDropTag;
  if (listed(kDroppedElements, name))
    return Treatment::kDrop;
  if (listed(kKeptElements, name))
    return Treatment::kKeep;
  return Treatment::kUnwrap;
}

// ---------------------------------------------------------------------------------------------
// Attribute values.

bool is_url_attribute(std::string_view name) {
  return name == "href" || name == "src" || name == "cite";
}

// `url` when it is safe in a link or an image source, as a browser reads it: tabs and line breaks
// anywhere removed, leading and trailing blanks and controls ignored; then relative (no scheme)
// or with an allowed scheme. nullopt otherwise.
std::optional<std::string> safe_url(std::string_view url, bool image) {
  std::string clean;
  clean.reserve(url.size());
  for (char c : url) {
    if (c != '\t' && c != '\n' && c != '\r')
      clean.push_back(c);
  }
  const auto blank = [](char c) { return static_cast<unsigned char>(c) <= 0x20; };
  std::size_t begin = 0;
  while (begin < clean.size() && blank(clean[begin]))
    ++begin;
  std::size_t end = clean.size();
  while (end > begin && blank(clean[end - 1]))
    --end;
  clean = clean.substr(begin, end - begin);
  // A scheme is a letter, then letters, digits, "+", "-" or ".", up to the first ":".
  const auto scheme_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
  };
  std::size_t i = 0;
  const bool letter_first = !clean.empty() && ((clean[0] >= 'a' && clean[0] <= 'z') ||
                                               (clean[0] >= 'A' && clean[0] <= 'Z'));
  if (letter_first) {
    while (i < clean.size() && scheme_char(clean[i]))
      ++i;
  }
  if (!letter_first || i == clean.size() || clean[i] != ':')
    return clean;  // relative: a path, "//host/...", "?query" or "#fragment"
  const std::string scheme = lower(std::string_view(clean).substr(0, i));
  if (scheme == "http" || scheme == "https" || scheme == "mailto" || scheme == "tel" ||
      scheme == "cid")
    return clean;
  if (image && scheme == "data") {
    const std::string_view rest = std::string_view(clean).substr(i + 1);
    for (std::string_view type :
         {"image/png", "image/jpeg", "image/jpg", "image/gif", "image/webp", "image/bmp"}) {
      if (starts_with_nocase(rest, type) && rest.size() > type.size() &&
          (rest[type.size()] == ';' || rest[type.size()] == ','))
        return clean;
    }
  }
  return std::nullopt;
}

std::string_view trim_css(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && space(text.back()))
    text.remove_suffix(1);
  return text;
}

// Whether `value` is a plain CSS value: words, numbers, lengths, percentages, colours, quoted
// strings without quotes inside them, "!important", and calls of the functions listed. No
// escapes, comments, url(), expression(), at-rules nor anything that could end the declaration.
bool plain_css_value(std::string_view value) {
  if (value.empty())
    return false;
  char quote = 0;
  std::size_t word_start = std::string_view::npos;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quote != 0) {
      if (c == quote)
        quote = 0;
      else if (c == '\\' || c == '<' || c == '>' || c == '&' || c == '(' || c == ')')
        return false;
      continue;
    }
    const bool word_char = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                           static_cast<unsigned char>(c) >= 0x80;
    if (word_char) {
      if (word_start == std::string_view::npos)
        word_start = i;
      continue;
    }
    const std::size_t start = word_start;
    word_start = std::string_view::npos;
    if (c == '(') {
      // A function call: its name must be listed.
      if (start == std::string_view::npos ||
          !listed(kKeptStyleFunctions, lower(value.substr(start, i - start))))
        return false;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
      continue;
    }
    constexpr std::string_view kOther = " \t\n\r#%.,)!/+*";
    if (kOther.find(c) == std::string_view::npos)
      return false;
    // "/*" starts a comment.
    if (c == '*' && i > 0 && value[i - 1] == '/')
      return false;
    if (c == '/' && i + 1 < value.size() && value[i + 1] == '*')
      return false;
  }
  return quote == 0;
}

// The declarations of a style attribute whose property is listed and value plain, written
// "name:value; name:value" (Odoo's form); "" when none is.
std::string filter_style(std::string_view style) {
  std::vector<std::pair<std::string, std::string>> kept;
  std::size_t start = 0;
  while (start <= style.size()) {
    // A declaration ends at the next ";" outside quotes and parentheses.
    std::size_t end = start;
    char quote = 0;
    int parentheses = 0;
    for (; end < style.size(); ++end) {
      const char c = style[end];
      if (quote != 0) {
        if (c == quote)
          quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '(') {
        ++parentheses;
      } else if (c == ')') {
        parentheses = std::max(0, parentheses - 1);
      } else if (c == ';' && parentheses == 0) {
        break;
      }
    }
    const std::string_view declaration = style.substr(start, end - start);
    start = end + 1;
    const std::size_t colon = declaration.find(':');
    if (colon == std::string_view::npos)
      continue;
    const std::string property = lower(trim_css(declaration.substr(0, colon)));
    const std::string_view value = trim_css(declaration.substr(colon + 1));
    if (!listed(kKeptStyleProperties, property) || !plain_css_value(value))
      continue;
    // A property given twice keeps its last value, in its first place.
    auto same = std::find_if(kept.begin(), kept.end(),
                             [&](const auto& entry) { return entry.first == property; });
    if (same != kept.end())
      same->second = std::string(value);
    else
      kept.emplace_back(property, std::string(value));
  }
  std::string out;
  for (const auto& [property, value] : kept) {
    if (!out.empty())
      out += "; ";
    out += property;
    out += ':';
    out += value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Output.

void append_escaped(std::string& out, std::string_view text, bool attribute) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        if (attribute)
          out += "&quot;";
        else
          out += c;
        break;
      case '\xC2':
        // U+00A0, written as the entity editors and Odoo write.
        if (i + 1 < text.size() && text[i + 1] == '\xA0') {
          out += "&nbsp;";
          ++i;
        } else {
          out += c;
        }
        break;
      default:
        out += c;
    }
  }
}

std::string_view text_of(const xmlChar* text) {
  return text != nullptr ? std::string_view(reinterpret_cast<const char*>(text))
                         : std::string_view();
}

bool all_blank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// The parser's events, as they come, written from the lists.
class Sanitizer {
 public:
  Sanitizer(const SanitizeOptions& options, htmlParserCtxt* parser)
      : options_(options), parser_(parser) {}

  static void start_element(void* self, const xmlChar* name, const xmlChar** attributes) {
    static_cast<Sanitizer*>(self)->start(lower(text_of(name)), attributes);
  }
  static void end_element(void* self, const xmlChar* /*name*/) {
    static_cast<Sanitizer*>(self)->end();
  }
  static void characters(void* self, const xmlChar* text, int length) {
    if (length > 0) {
      static_cast<Sanitizer*>(self)->text(
          std::string_view(reinterpret_cast<const char*>(text), static_cast<std::size_t>(length)));
    }
  }

  // The output, once the parse is over: the elements still open are closed.
  std::string finish() {
    while (!open_.empty())
      end();
    return std::move(out_);
  }

  // Whether the output's structure differs from what the parser read (an element unwrapped):
  // parsing it again may then read it differently, and it is sanitized again.
  bool restructured() const { return restructured_; }

 private:
  struct Open {
    std::string name;           // as written; empty when not written (unwrapped)
    bool outside_body = false;  // html: text directly inside is between head and body
    bool body = false;
  };

  void start(std::string name, const xmlChar** attributes) {
    if (dropping_ > 0) {
      ++dropping_;
      return;
    }
    // Deeper input is cut: the parser's work for each end tag grows with the depth.
    if (open_.size() >= static_cast<std::size_t>(std::max(options_.max_depth, 0)) + kCutMargin) {
      restructured_ = true;
      xmlStopParser(parser_);
      dropping_ = 1;
      return;
    }
    switch (treatment_of(name)) {
      case Treatment::kDropTag:
        // Void in browsers, but the parser may read what follows as its content: that is kept.
        restructured_ = true;
        open_.push_back(Open{});
        return;
      case Treatment::kDrop:
        dropping_ = 1;
        return;
      case Treatment::kUnwrap:
        if (name != "html" && name != "body")
          restructured_ = true;
        open_.push_back(Open{{}, name == "html", name == "body"});
        return;
      case Treatment::kKeep:
        break;
    }
    const bool is_void_element = is_void(name);
    if (!is_void_element && depth_ >= options_.max_depth) {
      restructured_ = true;  // flattened
      open_.push_back(Open{});
      return;
    }
    wrote_element_ = true;
    out_ += '<';
    out_ += name;
    write_attributes(name, attributes);
    out_ += '>';
    if (is_void_element) {
      open_.push_back(Open{});
    } else {
      ++depth_;
      open_.push_back(Open{std::move(name)});
    }
  }

  void end() {
    if (dropping_ > 0) {
      --dropping_;
      return;
    }
    if (open_.empty())
      return;
    if (!open_.back().name.empty()) {
      out_ += "</";
      out_ += open_.back().name;
      out_ += '>';
      --depth_;
    }
    open_.pop_back();
  }

  void text(std::string_view text) {
    if (dropping_ > 0)
      return;
    const bool blank = all_blank(text);
    // Blanks before any content, between the head and the body or after the body are not text
    // (the parser skips them when it reads the output again).
    if (blank && (out_.empty() || open_.empty() || open_.back().outside_body))
      return;
    // Text outside any written element, but in the body after an element: read again, the
    // parser puts any other (a "<" that starts no tag, or the content of an unwrapped element
    // first) in a paragraph, so the output is read again.
    if (!blank && depth_ == 0 && (!wrote_element_ || open_.empty() || !open_.back().body))
      restructured_ = true;
    append_escaped(out_, text, false);
  }

  void write_attributes(std::string_view element, const xmlChar** attributes) {
    written_.clear();
    for (; attributes != nullptr && attributes[0] != nullptr; attributes += 2) {
      const std::string name = lower(text_of(attributes[0]));
      if (!listed(kKeptAttributes, name))
        continue;
      if (std::find(written_.begin(), written_.end(), name) != written_.end())
        continue;
      std::string value(text_of(attributes[1]));
      if (name == "style") {
        if (!options_.keep_style)
          continue;
        value = filter_style(value);
        if (value.empty())
          continue;
      } else if (name == "class") {
        if (!options_.keep_classes)
          continue;
      } else if (is_url_attribute(name)) {
        const bool fits =
            (name == "href" && element == "a") || (name == "src" && element == "img") ||
            (name == "cite" &&
             (element == "blockquote" || element == "q" || element == "del" || element == "ins"));
        if (!fits)
          continue;
        std::optional<std::string> url = safe_url(value, element == "img");
        if (!url)
          continue;
        value = std::move(*url);
      }
      out_ += ' ';
      out_ += name;
      out_ += "=\"";
      append_escaped(out_, value, true);
      out_ += '"';
      written_.push_back(name);
    }
  }

  // How much deeper than options.max_depth the input may nest before the rest is cut.
  static constexpr std::size_t kCutMargin = 256;

  const SanitizeOptions& options_;
  htmlParserCtxt* parser_;
  std::string out_;
  std::vector<Open> open_;  // the parser's open elements, outside dropped ones
  int depth_ = 0;           // how many elements of the output are open
  int dropping_ = 0;        // > 0 inside a dropped element (its depth there)
  bool restructured_ = false;
  bool wrote_element_ = false;
  std::vector<std::string> written_;  // the attributes of the element being written
};

struct ParserFree {
  void operator()(htmlParserCtxt* parser) const { htmlFreeParserCtxt(parser); }
};

// One reading and writing of `html` (valid UTF-8, no NUL).
std::string sanitize_once(std::string_view html, const SanitizeOptions& options,
                          bool& restructured) {
  if (html.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw common::ValueError("HTML too large to be sanitized");
  std::unique_ptr<htmlParserCtxt, ParserFree> parser(htmlNewParserCtxt());
  if (!parser || parser->sax == nullptr)
    throw std::bad_alloc();
  // Only these events: the parser builds no document without the tree builder's handlers, and
  // comments, processing instructions and the doctype have none.
  std::memset(parser->sax, 0, sizeof(*parser->sax));
  parser->sax->startElement = &Sanitizer::start_element;
  parser->sax->endElement = &Sanitizer::end_element;
  parser->sax->characters = &Sanitizer::characters;
  parser->sax->ignorableWhitespace = &Sanitizer::characters;
  parser->sax->cdataBlock = &Sanitizer::characters;
  Sanitizer sanitizer(options, parser.get());
  parser->userData = &sanitizer;
  // UTF-8 whatever a <meta charset> says; no network, no error output; the nesting is bounded by
  // the sanitizer (which cuts the input), not by the parser.
  const int parse_options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                            HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC | XML_PARSE_HUGE;
  xmlDoc* doc = htmlCtxtReadMemory(parser.get(), html.data(), static_cast<int>(html.size()),
                                   nullptr, "UTF-8", parse_options);
  if (doc != nullptr)
    xmlFreeDoc(doc);
  restructured = sanitizer.restructured();
  return sanitizer.finish();
}

}  // namespace
}  // namespace sanitizing

std::string sanitize_html(std::string_view html, const SanitizeOptions& options) {
  if (html.size() > options.max_bytes) {
    throw common::ValueError(
        fmt::format("HTML of {} bytes is larger than the {} bytes that can be sanitized",
                    html.size(), options.max_bytes));
  }
  if (html.empty())
    return {};
  if (std::size_t most = internal::max_attributes_per_tag(html);
      most > internal::kMaxAttributesPerTag) {
    throw common::ValueError(
        fmt::format("The HTML has a tag with {} attributes: at most {} are read", most,
                    internal::kMaxAttributesPerTag));
  }
  sanitizing::init_libxml2();
  const std::string input = sanitizing::clean_input(html);
  // Unwrapping an element can put its content where the parser would not have put it (a <div>
  // inside a <p>, which ends the <p>): such output is read and written again until it is stable,
  // so that sanitizing the result gives it back.
  constexpr int kMaxPasses = 4;
  bool restructured = false;
  std::string out = sanitizing::sanitize_once(input, options, restructured);
  for (int pass = 1; restructured && pass < kMaxPasses; ++pass) {
    std::string again = sanitizing::sanitize_once(out, options, restructured);
    if (again == out)
      break;
    out = std::move(again);
    restructured = true;
  }
  return out;
}

}  // namespace autorules::mail
