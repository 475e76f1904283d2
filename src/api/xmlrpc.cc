#include "api/xmlrpc.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <memory>

#include <fmt/format.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <spdlog/spdlog.h>

#include "api/rpc.h"
#include "common/errors.h"
#include "common/text.h"

namespace autorules::api {

using common::Json;

namespace {

constexpr int kMaxDepth = 256;

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

[[noreturn]] void bad(const std::string& why) {
  throw common::BadRequestError("not an XML-RPC call: " + why);
}

std::string name_of(const xmlNode* n) {
  return reinterpret_cast<const char*>(n->name);
}

std::string text_of(const xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  std::string out = c ? reinterpret_cast<const char*>(c) : "";
  xmlFree(c);
  return out;
}

// The element children of `n` (text and comments between them are skipped).
std::vector<const xmlNode*> elements(const xmlNode* n) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* c = n->children; c; c = c->next) {
    if (c->type == XML_ELEMENT_NODE)
      out.push_back(c);
  }
  return out;
}

const xmlNode* only_element(const xmlNode* n, const char* name) {
  std::vector<const xmlNode*> e = elements(n);
  if (e.size() != 1 || name_of(e[0]) != name)
    bad(fmt::format("<{}> must hold one <{}>", name_of(n), name));
  return e[0];
}

std::string trimmed(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

Json integer(const std::string& text) {
  std::string t = trimmed(text);
  std::int64_t v = 0;
  const char* begin = t.data() + (t.starts_with('+') ? 1 : 0);
  auto [p, ec] = std::from_chars(begin, t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size())
    bad(fmt::format("'{}' is not an integer", common::truncate_utf8(t, 40)));
  return v;
}

Json real(const std::string& text) {
  std::string t = trimmed(text);
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v))
    bad(fmt::format("'{}' is not a double", common::truncate_utf8(t, 40)));
  return v;
}

// Python's xmlrpc.client sends dates as 20260115T10:00:00; Odoo reads "2026-01-15 10:00:00".
Json datetime(const std::string& text) {
  std::string t = trimmed(text);
  if (t.size() == 17 && t[8] == 'T')
    return fmt::format("{}-{}-{} {}", t.substr(0, 4), t.substr(4, 2), t.substr(6, 2), t.substr(9));
  return t;
}

Json value_of(const xmlNode* value, int depth) {
  if (depth > kMaxDepth)
    bad(fmt::format("values nested deeper than {} levels", kMaxDepth));
  std::vector<const xmlNode*> typed = elements(value);
  if (typed.empty())
    return text_of(value);  // a bare <value>text</value> is a string
  if (typed.size() != 1)
    bad("a <value> holds one typed value");
  const xmlNode* t = typed[0];
  std::string type = name_of(t);
  if (type == "int" || type == "i4" || type == "i8" || type == "i1" || type == "i2" ||
      type == "biginteger")
    return integer(text_of(t));
  if (type == "boolean") {
    std::string b = trimmed(text_of(t));
    if (b != "0" && b != "1")
      bad("a <boolean> is 0 or 1");
    return b == "1";
  }
  if (type == "string")
    return text_of(t);
  if (type == "double")
    return real(text_of(t));
  if (type == "dateTime.iso8601")
    return datetime(text_of(t));
  if (type == "base64") {
    std::string b;
    for (char c : text_of(t)) {
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
        b += c;
    }
    return b;
  }
  if (type == "nil")
    return nullptr;
  if (type == "array") {
    Json out = Json::array();
    for (const xmlNode* v : elements(only_element(t, "data"))) {
      if (name_of(v) != "value")
        bad("an array's <data> holds <value>s");
      out.push_back(value_of(v, depth + 1));
    }
    return out;
  }
  if (type == "struct") {
    Json out = Json::object();
    for (const xmlNode* member : elements(t)) {
      if (name_of(member) != "member")
        bad("a <struct> holds <member>s");
      const xmlNode* name = nullptr;
      const xmlNode* v = nullptr;
      for (const xmlNode* c : elements(member)) {
        if (name_of(c) == "name" && !name)
          name = c;
        else if (name_of(c) == "value" && !v)
          v = c;
        else
          bad("a <member> holds one <name> and one <value>");
      }
      if (!name || !v)
        bad("a <member> holds one <name> and one <value>");
      out[text_of(name)] = value_of(v, depth + 1);
    }
    return out;
  }
  bad(fmt::format("unknown value type <{}>", common::truncate_utf8(type, 40)));
}

// Text as XML carries it: escaped, without the control characters XML 1.0 refuses (Odoo leaves
// them out of its answers too).
void escaped(std::string& out, const std::string& s) {
  std::string kept;
  kept.reserve(s.size());
  for (char c : s) {
    if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r')
      kept += c;
  }
  out += common::html_escape(kept);
}

void encode(std::string& out, const Json& v) {
  out += "<value>";
  switch (v.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      out += "<nil/>";
      break;
    case Json::value_t::boolean:
      out += v.get<bool>() ? "<boolean>1</boolean>" : "<boolean>0</boolean>";
      break;
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: {
      bool small = v.is_number_integer()
                       ? v.get<std::int64_t>() >= std::numeric_limits<std::int32_t>::min() &&
                             v.get<std::int64_t>() <= std::numeric_limits<std::int32_t>::max()
                       : v.get<std::uint64_t>() <= std::numeric_limits<std::int32_t>::max();
      std::string n = v.dump();
      out += small ? "<int>" + n + "</int>" : "<i8>" + n + "</i8>";
      break;
    }
    case Json::value_t::number_float:
      out += fmt::format("<double>{}</double>", v.get<double>());
      break;
    case Json::value_t::string:
      out += "<string>";
      escaped(out, v.get<std::string>());
      out += "</string>";
      break;
    case Json::value_t::array:
      out += "<array><data>\n";
      for (const Json& e : v)
        encode(out, e);
      out += "</data></array>";
      break;
    case Json::value_t::object:
      out += "<struct>\n";
      for (const auto& [k, e] : v.items()) {
        out += "<member>\n<name>";
        escaped(out, k);
        out += "</name>\n";
        encode(out, e);
        out += "</member>\n";
      }
      out += "</struct>";
      break;
    case Json::value_t::binary:
      out += "<nil/>";
      break;
  }
  out += "</value>\n";
}

int fault_code(common::ErrorKind kind) {
  switch (kind) {
    case common::ErrorKind::kAccessDenied:
      return 3;
    case common::ErrorKind::kAccess:
      return 4;
    case common::ErrorKind::kUser:
    case common::ErrorKind::kValidation:
    case common::ErrorKind::kMissing:
      return 2;
    default:
      return 1;
  }
}

}  // namespace

XmlRpcCall parse_xmlrpc_call(std::string_view body) {
  if (body.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    bad("the body is too large");
  // No network, no DTD loading, no entity substitution: only the document itself.
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlReadMemory(body.data(), static_cast<int>(body.size()), "call.xml", nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (!doc)
    bad("the body is not well-formed XML");
  if (doc->intSubset || doc->extSubset)
    bad("a document type declaration is not accepted");
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!root || name_of(root) != "methodCall")
    bad("the root element is not <methodCall>");
  XmlRpcCall call;
  bool named = false;
  for (const xmlNode* c : elements(root)) {
    std::string n = name_of(c);
    if (n == "methodName" && !named) {
      call.method = trimmed(text_of(c));
      named = true;
    } else if (n == "params") {
      for (const xmlNode* param : elements(c)) {
        if (name_of(param) != "param")
          bad("<params> holds <param>s");
        call.params.push_back(value_of(only_element(param, "value"), 1));
      }
    } else {
      bad(fmt::format("unexpected <{}> in <methodCall>", common::truncate_utf8(n, 40)));
    }
  }
  if (call.method.empty())
    bad("<methodName> is missing");
  return call;
}

std::string xmlrpc_response(const Json& result) {
  std::string out = "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n";
  encode(out, result);
  out += "</param>\n</params>\n</methodResponse>\n";
  return out;
}

std::string xmlrpc_fault(int code, const std::string& text) {
  std::string out = "<?xml version='1.0'?>\n<methodResponse>\n<fault>\n";
  encode(out, Json{{"faultCode", code}, {"faultString", text}});
  out += "</fault>\n</methodResponse>\n";
  return out;
}

Response handle_xmlrpc(orm::Runtime& runtime, const std::string& service, std::string_view body,
                       const RpcOrigin& origin) {
  XmlRpcCall call;
  try {
    call = parse_xmlrpc_call(body);
  } catch (const common::Error& e) {
    return {400, xmlrpc_fault(1, e.what())};
  }
  try {
    return {200, xmlrpc_response(dispatch_rpc(runtime, service, call.method, call.params, origin))};
  } catch (const common::Error& e) {
    int code = fault_code(e.kind());
    if (code != 1)
      return {200, xmlrpc_fault(code, e.what())};
    std::string message = e.what();
    if (e.kind() == common::ErrorKind::kInternal) {
      spdlog::error("/xmlrpc/2/{} {}: {}", service, call.method, message);
      message = "internal server error (details in the server log)";
    }
    // Odoo's application errors carry the traceback's text; its last line names the error.
    return {200, xmlrpc_fault(1, fmt::format("Traceback (most recent call last):\n  File "
                                             "\"autorules\", in {}.{}\n{}: {}\n",
                                             service, call.method, e.name(), message))};
  } catch (const std::exception& e) {
    spdlog::error("/xmlrpc/2/{} {}: unexpected error: {}", service, call.method, e.what());
    return {200, xmlrpc_fault(1,
                              "Traceback (most recent call last):\nbuiltins.RuntimeError: "
                              "internal server error (details in the server log)\n")};
  }
}

}  // namespace autorules::api
