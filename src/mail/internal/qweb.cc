#include "mail/internal/qweb.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "common/errors.h"
#include "common/text.h"

namespace autorules::mail::internal {

using common::Json;

namespace {

// --- Parsing ----------------------------------------------------------------------------------

// HTML's named character entities (HTML 4's, as libxml2's HTML parser knows them), declared in
// a DOCTYPE before the source so that &nbsp; or &eacute; parse as XML. XML's own five are
// predefined. The declarations are on the first line, with the <t> that wraps the source: the
// source's line numbers stay its own.
const std::string& entity_declarations() {
  static const std::string declarations = [] {
    std::string out = "<!DOCTYPE t [";
    for (unsigned int code_point = 1; code_point < 0x3000; ++code_point) {
      const htmlEntityDesc* entity = htmlEntityValueLookup(code_point);
      if (!entity || entity->value != code_point)
        continue;
      std::string_view name = entity->name;
      if (name == "amp" || name == "lt" || name == "gt" || name == "quot" || name == "apos")
        continue;
      out += fmt::format("<!ENTITY {} \"&#{};\">", name, code_point);
    }
    out += "]>";
    return out;
  }();
  return declarations;
}

// The first error libxml2 reported (warnings aside).
struct ParseErrors {
  bool failed = false;
  long line = 0;
  std::string message;
};

void on_parse_error(void* data, xmlErrorPtr error) {
  auto* context = static_cast<xmlParserCtxtPtr>(data);
  auto* errors = context ? static_cast<ParseErrors*>(context->_private) : nullptr;
  if (!errors || !error || error->level < XML_ERR_ERROR || errors->failed)
    return;
  errors->failed = true;
  errors->line = error->line;
  std::string message = error->message ? error->message : "the source is not well-formed XML";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
    message.pop_back();
  errors->message = std::move(message);
}

struct ContextDeleter {
  void operator()(xmlParserCtxtPtr context) const { xmlFreeParserCtxt(context); }
};
struct DocDeleter {
  void operator()(xmlDocPtr doc) const { xmlFreeDoc(doc); }
};
using Document = std::unique_ptr<xmlDoc, DocDeleter>;

[[noreturn]] void fail(long line, std::string_view why) {
  throw common::ValueError(fmt::format("line {}: {}", line, common::truncate_utf8(why, 1000)));
}

Document parse(std::string_view source) {
  if (source.size() > kMaxSourceBytes) {
    throw common::ValueError(
        fmt::format("the template is longer than the limit of {} KiB ({} bytes)",
                    kMaxSourceBytes >> 10, source.size()));
  }
  static const bool initialized = [] {
    xmlInitParser();
    return true;
  }();
  (void)initialized;
  std::string text = entity_declarations();
  text.reserve(text.size() + source.size() + 8);
  text += "<t>";
  text += source;
  text += "</t>";
  std::unique_ptr<xmlParserCtxt, ContextDeleter> context(xmlNewParserCtxt());
  if (!context)
    throw std::bad_alloc();
  ParseErrors errors;
  context->_private = &errors;
  context->sax->serror = &on_parse_error;
  // No network, no external DTD; entities substituted (only the HTML ones above exist: the
  // source, inside <t>, cannot declare any); libxml2's limits kept (no XML_PARSE_HUGE: elements
  // nest at most 256 deep).
  Document doc(xmlCtxtReadMemory(
      context.get(), text.data(), static_cast<int>(text.size()), nullptr, "UTF-8",
      XML_PARSE_NOENT | XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_BIG_LINES));
  if (errors.failed || !doc || !context->wellFormed) {
    std::string why = errors.message.empty() ? "the source is not well-formed XML" : errors.message;
    if (why.find("Excessive depth") != std::string::npos)
      why = "elements nest more than 256 levels deep";
    fail(errors.line, why +
                          " (a QWeb template must be well-formed XML: close every element, write "
                          "void ones as <br/>)");
  }
  return doc;
}

// --- Names and text ------------------------------------------------------------------------------

std::string text_of(const xmlChar* text) {
  return text ? std::string(reinterpret_cast<const char*>(text)) : std::string();
}

// A node's name with its namespace prefix ("xlink:href").
std::string qualified_name(const xmlNs* ns, const xmlChar* name) {
  std::string out;
  if (ns && ns->prefix)
    out = text_of(ns->prefix) + ":";
  return out + text_of(name);
}

// An attribute's value, entities substituted.
std::string attribute_value(xmlAttrPtr attribute) {
  xmlChar* value = xmlNodeGetContent(reinterpret_cast<xmlNodePtr>(attribute));
  std::string out = text_of(value);
  xmlFree(value);
  return out;
}

long line_of(const xmlNode* node) {
  return xmlGetLineNo(node);
}

bool is_void(std::string_view tag) {
  static const char* const kVoid[] = {"area",   "base",  "br",     "col",     "embed", "hr",
                                      "img",    "input", "keygen", "link",    "meta",  "param",
                                      "source", "track", "wbr",    "menuitem"};
  std::string lower(tag);
  for (char& c : lower)
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  for (const char* v : kVoid) {
    if (lower == v)
      return true;
  }
  return false;
}

// Text content: & < > escaped (quotes are harmless there).
void append_text(std::string& out, std::string_view text) {
  for (char c : text) {
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
      default:
        out += c;
    }
  }
}

// An attribute's value: & < > " ' escaped, as the values of dynamic attributes are.
void append_attribute(std::string& out, std::string_view text) {
  for (char c : text) {
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
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// --- Directives --------------------------------------------------------------------------------

struct Attribute {
  enum Kind { kStatic, kExpression, kFormat, kDict } kind;
  std::string name;
  std::string value;
};

// What an element says: its directives and its attributes.
struct Element {
  xmlNodePtr node = nullptr;
  long line = 0;
  std::string tag;
  bool is_t = false;  // <t>: leaves no tag
  std::optional<std::string> if_, elif, else_, foreach, as, set, value, valuef, out;
  std::string out_directive;  // t-out, t-esc or t-raw
  std::vector<Attribute> statics;
  std::vector<Attribute> dynamics;
};

// Directives that are Odoo's but not ours, with what to do instead.
std::string unknown_directive(std::string_view name) {
  if (name == "t-field")
    return "t-field is not supported: use t-out (and format_date(), format_amount(), ...)";
  if (name == "t-options" || name.starts_with("t-options-"))
    return std::string(name) +
           " is not supported: format values with format_date(), "
           "format_datetime(), format_amount() or format_duration()";
  if (name == "t-call" || name == "t-call-assets" || name == "t-lang")
    return std::string(name) + " is not supported: a mail template renders on its own";
  return "unknown directive " + std::string(name);
}

Element read_element(xmlNodePtr node) {
  Element e;
  e.node = node;
  e.line = line_of(node);
  e.tag = qualified_name(node->ns, node->name);
  e.is_t = e.tag == "t";
  for (xmlNsPtr ns = node->nsDef; ns; ns = ns->next) {
    e.statics.push_back({Attribute::kStatic,
                         ns->prefix ? "xmlns:" + text_of(ns->prefix) : std::string("xmlns"),
                         text_of(ns->href)});
  }
  for (xmlAttrPtr a = node->properties; a; a = a->next) {
    std::string name = qualified_name(a->ns, a->name);
    std::string value = attribute_value(a);
    if (!name.starts_with("t-")) {
      e.statics.push_back({Attribute::kStatic, std::move(name), std::move(value)});
      continue;
    }
    std::optional<std::string>* slot = nullptr;
    if (name == "t-if")
      slot = &e.if_;
    else if (name == "t-elif")
      slot = &e.elif;
    else if (name == "t-else")
      slot = &e.else_;
    else if (name == "t-foreach")
      slot = &e.foreach;
    else if (name == "t-as")
      slot = &e.as;
    else if (name == "t-set")
      slot = &e.set;
    else if (name == "t-value")
      slot = &e.value;
    else if (name == "t-valuef")
      slot = &e.valuef;
    if (slot) {
      *slot = std::move(value);
      continue;
    }
    if (name == "t-out" || name == "t-esc" || name == "t-raw") {
      if (e.out)
        fail(e.line, fmt::format("{} and {} on the same element", e.out_directive, name));
      e.out = std::move(value);
      e.out_directive = name;
    } else if (name == "t-att") {
      e.dynamics.push_back({Attribute::kDict, "", std::move(value)});
    } else if (name.starts_with("t-att-") && name.size() > 6) {
      e.dynamics.push_back({Attribute::kExpression, name.substr(6), std::move(value)});
    } else if (name.starts_with("t-attf-") && name.size() > 7) {
      e.dynamics.push_back({Attribute::kFormat, name.substr(7), std::move(value)});
    } else {
      fail(e.line, unknown_directive(name));
    }
  }
  // Directives that only make sense together, or not together.
  if (e.as && !e.foreach)
    fail(e.line, "t-as must be on the element of its t-foreach");
  if (e.foreach && !e.as)
    fail(e.line, "t-foreach needs t-as (the name of the item)");
  if ((e.value || e.valuef) && !e.set)
    fail(e.line, "t-value and t-valuef must be on the element of their t-set");
  if (e.value && e.valuef)
    fail(e.line, "t-value and t-valuef on the same element");
  if (e.set && !e.is_t)
    fail(e.line, "t-set must be on a <t> element");
  if (e.set && e.out)
    fail(e.line, "t-set and " + e.out_directive + " on the same element");
  if (int(e.if_.has_value()) + int(e.elif.has_value()) + int(e.else_.has_value()) > 1)
    fail(e.line, "t-if, t-elif and t-else on the same element");
  if (e.is_t && !e.dynamics.empty())
    fail(e.line,
         "t-att, t-att-* and t-attf-* have no effect on a <t> element, which leaves no tag");
  return e;
}

// --- The compiler ------------------------------------------------------------------------------

class Compiler {
 public:
  Json program(xmlNodePtr root) && {
    children(root, 0, 0);
    flush();
    return Json{{"engine", "qweb"}, {"sites", std::move(sites_)}, {"code", std::move(code_)}};
  }

 private:
  // How deep the blocks of the program may nest (ifs, their elifs, loops): Python compiles each
  // level by recursion.
  static constexpr int kMaxBlocks = 200;

  void text(std::string_view html) { pending_ += html; }

  void flush() {
    if (!pending_.empty()) {
      code_.push_back(Json::array({"text", std::move(pending_)}));
      pending_.clear();
    }
  }

  // Appends an instruction, keeping count of the blocks it opens and closes.
  void op(long line, Json instruction) {
    flush();
    const std::string& name = instruction[0].get_ref<const std::string&>();
    if (name == "if" || name == "ifvalue" || name == "foreach" || name == "capture") {
      open_.push_back(1);
      ++blocks_;
    } else if (name == "elif") {
      ++open_.back();
      ++blocks_;
    } else if (name == "end") {
      blocks_ -= open_.back();
      open_.pop_back();
    }
    if (blocks_ > kMaxBlocks)
      fail(line, fmt::format("directives nest more than {} levels deep", kMaxBlocks));
    code_.push_back(std::move(instruction));
  }

  std::size_t site(long line, std::string where, std::string expression) {
    sites_.push_back(Json::array({line, std::move(where), std::move(expression)}));
    return sites_.size() - 1;
  }

  // The parts of t-attf-*/t-valuef: literal text, and the sites of "{{ expression }}" and
  // "#{ expression }" (Odoo's format; an opening without its closing is literal text).
  Json parts(std::string_view format, long line, const std::string& where) {
    Json out = Json::array();
    std::string literal;
    std::size_t pos = 0;
    while (pos < format.size()) {
      std::size_t hash = format.find("#{", pos);
      std::size_t braces = format.find("{{", pos);
      std::size_t open = std::min(hash, braces);
      std::size_t close = std::string_view::npos;
      std::size_t width = 0;
      if (open != std::string_view::npos) {
        width = open == hash ? 1 : 2;
        close = format.find(open == hash ? "}" : "}}", open + 2);
        // Odoo's pattern needs at least one character inside.
        while (close == open + 2 && close != std::string_view::npos)
          close = format.find(open == hash ? "}" : "}}", close + 1);
      }
      if (open == std::string_view::npos || close == std::string_view::npos) {
        literal += format.substr(pos);
        break;
      }
      literal += format.substr(pos, open - pos);
      if (!literal.empty())
        out.push_back(std::move(literal));
      literal.clear();
      out.push_back(site(line, where, std::string(format.substr(open + 2, close - open - 2))));
      pos = close + width;
    }
    if (!literal.empty())
      out.push_back(std::move(literal));
    return out;
  }

  void children(xmlNodePtr parent, int depth, int loops) {
    for (xmlNodePtr node = parent->children; node; node = node->next) {
      switch (node->type) {
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
          append_text(pending_, text_of(node->content));
          break;
        case XML_ELEMENT_NODE: {
          if (xmlHasProp(node, BAD_CAST "t-elif") || xmlHasProp(node, BAD_CAST "t-else")) {
            fail(line_of(node),
                 "t-elif and t-else must follow an element with t-if or t-elif, with only "
                 "blanks and comments between");
          }
          std::vector<xmlNodePtr> chain;
          if (xmlHasProp(node, BAD_CAST "t-if"))
            chain = else_chain(node);
          element(node, chain, depth + 1, loops);
          if (!chain.empty())
            node = chain.back();  // blanks between the branches are dropped
          break;
        }
        default:  // comments, processing instructions: not written
          break;
      }
    }
  }

  // The elements with t-elif or t-else after one with t-if.
  std::vector<xmlNodePtr> else_chain(xmlNodePtr node) {
    std::vector<xmlNodePtr> chain;
    for (xmlNodePtr next = node->next; next; next = next->next) {
      if (next->type == XML_COMMENT_NODE || next->type == XML_PI_NODE)
        continue;
      if ((next->type == XML_TEXT_NODE || next->type == XML_CDATA_SECTION_NODE) &&
          is_blank(text_of(next->content))) {
        continue;
      }
      if (next->type != XML_ELEMENT_NODE)
        break;
      bool is_else = xmlHasProp(next, BAD_CAST "t-else") != nullptr;
      if (!is_else && !xmlHasProp(next, BAD_CAST "t-elif"))
        break;
      chain.push_back(next);
      if (is_else)
        break;
    }
    return chain;
  }

  void element(xmlNodePtr node, const std::vector<xmlNodePtr>& chain, int depth, int loops) {
    if (depth > kMaxDepth)
      fail(line_of(node), fmt::format("elements nest more than {} levels deep", kMaxDepth));
    Element e = read_element(node);
    // Odoo's order: t-foreach around t-if; the branches of t-elif and t-else inside the loop.
    looped(e, loops, [&](int inner_loops) {
      if (!e.if_) {
        inner(e, depth, inner_loops);
        return;
      }
      op(e.line, Json::array({"if", site(e.line, "t-if", *e.if_)}));
      inner(e, depth, inner_loops);
      for (xmlNodePtr branch : chain) {
        Element b = read_element(branch);
        if (b.elif)
          op(b.line, Json::array({"elif", site(b.line, "t-elif", *b.elif)}));
        else
          op(b.line, Json::array({"else"}));
        // A branch's own t-foreach is inside its condition.
        looped(b, inner_loops, [&](int branch_loops) { inner(b, depth, branch_loops); });
      }
      op(e.line, Json::array({"end"}));
    });
  }

  // Runs `body` inside the element's t-foreach loop, if it has one.
  template <class F>
  void looped(const Element& e, int loops, F&& body) {
    if (!e.foreach) {
      body(loops);
      return;
    }
    if (loops + 1 > kMaxLoops)
      fail(e.line, fmt::format("t-foreach loops nest more than {} levels deep", kMaxLoops));
    op(e.line, Json::array({"foreach", site(e.line, "t-foreach", *e.foreach), *e.as}));
    body(loops + 1);
    op(e.line, Json::array({"end"}));
  }

  // The element itself, once its loop and condition are open: t-set, t-out, or its tag around its
  // content.
  void inner(const Element& e, int depth, int loops) {
    if (e.set) {
      std::string where = fmt::format("t-set=\"{}\"", common::truncate_utf8(*e.set, 100));
      if (e.value) {
        // An empty t-value is None, as in Odoo.
        std::string expression = is_blank(*e.value) ? "None" : *e.value;
        op(e.line, Json::array({"set", site(e.line, where, expression), *e.set}));
      } else if (e.valuef) {
        std::size_t s = site(e.line, where, "");
        op(e.line, Json::array({"setf", s, *e.set, parts(*e.valuef, e.line, "t-valuef")}));
      } else {
        op(e.line, Json::array({"capture", site(e.line, where, ""), *e.set}));
        children(e.node, depth, loops);
        op(e.line, Json::array({"end"}));
      }
      return;
    }
    bool is_void_tag = is_void(e.tag);
    std::string close = e.is_t || is_void_tag ? std::string() : "</" + e.tag + ">";
    if (e.out) {
      op(e.line, Json::array({"ifvalue", site(e.line, e.out_directive, *e.out)}));
      open_tag(e, is_void_tag);
      op(e.line, Json::array({"emit"}));
      text(close);
      // The element's content is shown when the value is None or False; without content,
      // nothing is (not even the tag), as in Odoo.
      if (e.node->children) {
        op(e.line, Json::array({"else"}));
        open_tag(e, is_void_tag);
        children(e.node, depth, loops);
        text(close);
      }
      op(e.line, Json::array({"end"}));
      return;
    }
    open_tag(e, is_void_tag);
    children(e.node, depth, loops);
    text(close);
  }

  void open_tag(const Element& e, bool is_void_tag) {
    if (e.is_t)
      return;
    if (e.dynamics.empty()) {
      text("<" + e.tag);
      for (const Attribute& a : e.statics) {
        text(" " + a.name + "=\"");
        append_attribute(pending_, a.value);
        text("\"");
      }
      text(is_void_tag ? "/>" : ">");
      return;
    }
    // Static attributes first, then the dynamic ones in their order (Odoo's).
    Json items = Json::array();
    for (const Attribute& a : e.statics)
      items.push_back(Json::array({"s", a.name, a.value}));
    for (const Attribute& a : e.dynamics) {
      switch (a.kind) {
        case Attribute::kExpression:
          items.push_back(Json::array({"e", a.name, site(e.line, "t-att-" + a.name, a.value)}));
          break;
        case Attribute::kFormat:
          items.push_back(Json::array({"f", a.name, parts(a.value, e.line, "t-attf-" + a.name)}));
          break;
        case Attribute::kDict:
          items.push_back(Json::array({"d", "", site(e.line, "t-att", a.value)}));
          break;
        case Attribute::kStatic:
          break;
      }
    }
    op(e.line, Json::array({"tag", site(e.line, "<" + e.tag + ">", ""), e.tag, is_void_tag,
                            std::move(items)}));
  }

  Json sites_ = Json::array();
  Json code_ = Json::array();
  std::string pending_;    // static HTML not yet in an instruction
  std::vector<int> open_;  // for each open block, the levels it nests (an if and its elifs)
  int blocks_ = 0;         // the sum of open_
};

}  // namespace

Json compile_qweb(std::string_view source) {
  Document doc = parse(source);
  xmlNodePtr root = xmlDocGetRootElement(doc.get());
  if (!root)
    fail(1, "the source is empty");
  return Compiler().program(root);
}

}  // namespace autorules::mail::internal
