// The text of an HTML body (mail/mime.h, html_to_text): libxml2's HTML parser (lenient, as
// browsers are) reports elements and text as it reads them (SAX), and the text is written as they
// come. No tree is built: a body of millions of tiny or deeply nested elements costs its text and
// the stack of open element names, never a node per element, and nothing recurses.
#include <algorithm>
#include <cstddef>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/text.h"
#include "mail/internal/html_limits.h"
#include "mail/mime.h"

namespace autorules::mail {

namespace {

// libxml2's global state is set up once, before any thread parses.
void init_libxml2() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

// Length of the valid UTF-8 sequence at the start of `text`, 0 when it is not one.
std::size_t utf8_sequence(std::string_view text) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char first = byte(0);
  std::size_t length = 0;
  char32_t code_point = 0;
  if (first < 0x80)
    return 1;
  if (first >= 0xC2 && first <= 0xDF) {
    length = 2;
    code_point = first & 0x1Fu;
  } else if (first >= 0xE0 && first <= 0xEF) {
    length = 3;
    code_point = first & 0x0Fu;
  } else if (first >= 0xF0 && first <= 0xF4) {
    length = 4;
    code_point = first & 0x07u;
  } else {
    return 0;
  }
  if (text.size() < length)
    return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0u) != 0x80u)
      return 0;
    code_point = (code_point << 6) | (byte(i) & 0x3Fu);
  }
  const bool overlong =
      (length == 3 && code_point < 0x800) || (length == 4 && code_point < 0x10000);
  const bool surrogate = code_point >= 0xD800 && code_point <= 0xDFFF;
  if (overlong || surrogate || code_point > 0x10FFFF)
    return 0;
  return length;
}

// `text` as valid UTF-8 without NUL bytes (which would end the parser's input): each invalid
// byte becomes U+FFFD.
std::string clean_utf8(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  while (!text.empty()) {
    const std::size_t length = utf8_sequence(text);
    if (length == 0) {
      common::utf8_append(clean, U'\uFFFD');
      text.remove_prefix(1);
      continue;
    }
    if (text.front() != '\0')
      clean.append(text.substr(0, length));
    text.remove_prefix(length);
  }
  return clean;
}

enum class Kind {
  kInline,     // text flows through it
  kSkipped,    // neither it nor its content is text (script, style, head)
  kLine,       // a block that starts and ends a line (div, li, tr, ...)
  kParagraph,  // a block set apart by blank lines (p, headings, lists, tables, ...)
  kBreak,      // <br>
  kCell,       // td, th: separated from the previous cell by a space
  kImage,      // <img>: its alt text
};

Kind kind_of(std::string_view name) {
  struct Entry {
    std::string_view name;
    Kind kind;
  };
  static constexpr Entry kKinds[] = {
      {"script", Kind::kSkipped},   {"style", Kind::kSkipped},     {"head", Kind::kSkipped},
      {"title", Kind::kSkipped},    {"template", Kind::kSkipped},  {"noscript", Kind::kSkipped},
      {"p", Kind::kParagraph},      {"h1", Kind::kParagraph},      {"h2", Kind::kParagraph},
      {"h3", Kind::kParagraph},     {"h4", Kind::kParagraph},      {"h5", Kind::kParagraph},
      {"h6", Kind::kParagraph},     {"ul", Kind::kParagraph},      {"ol", Kind::kParagraph},
      {"dl", Kind::kParagraph},     {"table", Kind::kParagraph},   {"blockquote", Kind::kParagraph},
      {"pre", Kind::kParagraph},    {"form", Kind::kParagraph},    {"fieldset", Kind::kParagraph},
      {"figure", Kind::kParagraph}, {"address", Kind::kParagraph}, {"hr", Kind::kParagraph},
      {"div", Kind::kLine},         {"li", Kind::kLine},           {"tr", Kind::kLine},
      {"dt", Kind::kLine},          {"dd", Kind::kLine},           {"section", Kind::kLine},
      {"article", Kind::kLine},     {"header", Kind::kLine},       {"footer", Kind::kLine},
      {"nav", Kind::kLine},         {"aside", Kind::kLine},        {"main", Kind::kLine},
      {"center", Kind::kLine},      {"caption", Kind::kLine},      {"details", Kind::kLine},
      {"summary", Kind::kLine},     {"figcaption", Kind::kLine},   {"body", Kind::kLine},
      {"thead", Kind::kLine},       {"tbody", Kind::kLine},        {"tfoot", Kind::kLine},
      {"br", Kind::kBreak},         {"td", Kind::kCell},           {"th", Kind::kCell},
      {"img", Kind::kImage},
  };
  for (const Entry& entry : kKinds) {
    if (entry.name == name)
      return entry.kind;
  }
  return Kind::kInline;
}

// The text as it is written: runs of white space become one space, block boundaries ask for line
// ends (at most one blank line in a row), nothing leads or trails.
class TextWriter {
 public:
  // Text of the document; white space collapses unless `preformatted`.
  void text(std::string_view text, bool preformatted) {
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (preformatted) {
        if (c == '\r')
          continue;
        if (c == '\n') {
          flush();
          out_.push_back('\n');
          line_start_ = true;
          continue;
        }
        flush();
        out_.push_back(c);
        line_start_ = false;
        continue;
      }
      // A no-break space (U+00A0) is white space here too.
      const bool nbsp = c == '\xC2' && i + 1 < text.size() && text[i + 1] == '\xA0';
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || nbsp) {
        space_ = true;
        if (nbsp)
          ++i;
        continue;
      }
      flush();
      out_.push_back(c);
      line_start_ = false;
    }
  }

  // Asks for `count` line ends (1: a new line, 2: a blank line) before the next text.
  void line_break(int count) { newlines_ = std::max(newlines_, count); }
  // <br>: one more line end.
  void hard_break() { newlines_ = std::min(newlines_ + 1, 2); }
  void space() { space_ = true; }
  // Text that starts a line (a list item's "- ").
  void prefix(std::string_view text) {
    flush();
    out_.append(text);
    line_start_ = false;
  }

  std::size_t size() const { return out_.size(); }
  std::string_view since(std::size_t position) const {
    return std::string_view(out_).substr(std::min(position, out_.size()));
  }
  // The text, once the walk is over.
  std::string take() { return std::move(out_); }

 private:
  // Writes what was asked for before the text about to be written.
  void flush() {
    if (out_.empty()) {
      newlines_ = 0;
      space_ = false;
      return;
    }
    if (newlines_ > 0) {
      while (!out_.empty() && out_.back() == ' ')
        out_.pop_back();
      int already = 0;
      for (auto it = out_.rbegin(); it != out_.rend() && *it == '\n' && already < 2; ++it)
        ++already;
      for (int i = already; i < newlines_; ++i)
        out_.push_back('\n');
      line_start_ = true;
    } else if (space_ && !line_start_) {
      out_.push_back(' ');
    }
    newlines_ = 0;
    space_ = false;
  }

  std::string out_;
  int newlines_ = 0;
  bool space_ = false;
  bool line_start_ = true;
};

std::string_view trimmed(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  while (!text.empty() && space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && space(text.back()))
    text.remove_suffix(1);
  return text;
}

// A URL or a link's text as compared: without scheme (http, https, mailto, tel), trailing slash
// and case.
std::string comparable(std::string_view text) {
  text = trimmed(text);
  for (std::string_view scheme : {"https://", "http://", "mailto:", "tel:"}) {
    if (text.size() >= scheme.size()) {
      std::string head(text.substr(0, scheme.size()));
      std::transform(head.begin(), head.end(), head.begin(),
                     [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
      if (head == scheme) {
        text.remove_prefix(scheme.size());
        break;
      }
    }
  }
  while (!text.empty() && text.back() == '/')
    text.remove_suffix(1);
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return lower;
}

// Whether a link's URL is worth writing after its text.
bool shows_url(std::string_view url, std::string_view link_text) {
  url = trimmed(url);
  if (url.empty() || url.front() == '#')
    return false;
  if (comparable(url.substr(0, 11)) == "javascript:")
    return false;
  return comparable(url) != comparable(link_text);
}

std::string_view text_of(const xmlChar* text) {
  return text != nullptr ? std::string_view(reinterpret_cast<const char*>(text))
                         : std::string_view();
}

// The value of attribute `name` in libxml2's (name, value, ..., null) array, "" when absent.
std::string_view attribute(const xmlChar** attributes, std::string_view name) {
  for (; attributes != nullptr && attributes[0] != nullptr; attributes += 2) {
    if (text_of(attributes[0]) == name)
      return text_of(attributes[1]);
  }
  return {};
}

// The parser's events, as they come: no tree is built, so that the memory a body costs is its
// text and the stack of open elements, whatever its markup.
class Converter {
 public:
  static void start_element(void* self, const xmlChar* name, const xmlChar** attributes) {
    static_cast<Converter*>(self)->start(text_of(name), attributes);
  }
  static void end_element(void* self, const xmlChar* name) {
    static_cast<Converter*>(self)->end(text_of(name));
  }
  static void characters(void* self, const xmlChar* text, int length) {
    auto* converter = static_cast<Converter*>(self);
    if (converter->skipped_ == 0 && length > 0) {
      converter->writer_.text(
          std::string_view(reinterpret_cast<const char*>(text), static_cast<std::size_t>(length)),
          converter->preformatted_ > 0);
    }
  }

  std::string take() { return writer_.take(); }

 private:
  void start(std::string_view name, const xmlChar** attributes) {
    if (skipped_ > 0) {
      ++skipped_;
      return;
    }
    switch (kind_of(name)) {
      case Kind::kSkipped:
        skipped_ = 1;
        return;
      case Kind::kBreak:
        writer_.hard_break();
        return;
      case Kind::kImage:
        if (const std::string_view alt = attribute(attributes, "alt"); !trimmed(alt).empty()) {
          writer_.space();
          writer_.text(alt, false);
          writer_.space();
        }
        return;
      case Kind::kParagraph:
        writer_.line_break(2);
        break;
      case Kind::kLine:
        writer_.line_break(1);
        break;
      case Kind::kCell:
        writer_.space();
        break;
      case Kind::kInline:
        break;
    }
    if (name == "pre")
      ++preformatted_;
    else if (name == "li")
      writer_.prefix("- ");
    else if (name == "hr")
      writer_.prefix("---");
    else if (name == "a")
      links_.push_back(Link{std::string(trimmed(attribute(attributes, "href"))), writer_.size()});
  }

  void end(std::string_view name) {
    if (skipped_ > 0) {
      --skipped_;
      return;
    }
    switch (kind_of(name)) {
      case Kind::kParagraph:
        writer_.line_break(2);
        break;
      case Kind::kLine:
        writer_.line_break(1);
        break;
      case Kind::kCell:
        writer_.space();
        break;
      default:
        break;
    }
    if (name == "pre" && preformatted_ > 0) {
      --preformatted_;
    } else if (name == "a" && !links_.empty()) {
      const Link link = std::move(links_.back());
      links_.pop_back();
      if (shows_url(link.url, writer_.since(link.text_start))) {
        writer_.space();
        writer_.text("[" + link.url + "]", false);
      }
    }
  }

  struct Link {
    std::string url;
    std::size_t text_start;  // where its text starts in the output
  };

  TextWriter writer_;
  int skipped_ = 0;  // > 0 inside a skipped element (its depth there)
  int preformatted_ = 0;
  std::vector<Link> links_;
};

struct ParserFree {
  void operator()(htmlParserCtxt* parser) const { htmlFreeParserCtxt(parser); }
};

// Text of HTML the parser is not given (internal/html_limits.h): what lies outside "<...>",
// entities left as written.
std::string text_without_tags(std::string_view html) {
  std::string out;
  out.reserve(html.size());
  bool in_tag = false;
  for (char c : html) {
    if (in_tag) {
      in_tag = c != '>';
    } else if (c == '<') {
      in_tag = true;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  if (html.empty())
    return {};
  const std::string input = clean_utf8(html);
  if (internal::max_attributes_per_tag(input) > internal::kMaxAttributesPerTag)
    return text_without_tags(input);  // too costly for the parser: read without it
  init_libxml2();
  if (input.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    return {};
  std::unique_ptr<htmlParserCtxt, ParserFree> parser(htmlNewParserCtxt());
  if (!parser || parser->sax == nullptr)
    return {};
  // Only these events; the parser builds no document without the tree builder's handlers.
  std::memset(parser->sax, 0, sizeof(*parser->sax));
  parser->sax->startElement = &Converter::start_element;
  parser->sax->endElement = &Converter::end_element;
  parser->sax->characters = &Converter::characters;
  parser->sax->ignorableWhitespace = &Converter::characters;
  parser->sax->cdataBlock = &Converter::characters;
  Converter converter;
  parser->userData = &converter;
  // The body is UTF-8 already (its part's charset was converted): a <meta charset> must not
  // change that. No network, no error output, and no limit on nesting, which costs only the
  // stack of open element names here (the parser's own loop is not recursive).
  const int options = HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                      HTML_PARSE_NONET | HTML_PARSE_IGNORE_ENC | XML_PARSE_HUGE;
  xmlDoc* doc = htmlCtxtReadMemory(parser.get(), input.data(), static_cast<int>(input.size()),
                                   nullptr, "UTF-8", options);
  if (doc != nullptr)
    xmlFreeDoc(doc);
  return converter.take();
}

}  // namespace autorules::mail
