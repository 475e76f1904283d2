// Domain: parsing of the JSON form into a Node tree (prefix notation, implicit AND), the
// normalised JSON rendering, and the small algebra (conjoin, disjoin, term). The text form is
// parsed in parse_text.cc into the same JSON and handed to from_json.
#include "domain/domain.h"

#include <algorithm>
#include <array>
#include <utility>

#include <fmt/format.h>

#include "common/errors.h"
#include "domain/internal/repr.h"

namespace autorules::domain {
namespace {

using common::ValueError;
using internal::term_repr;

struct OpName {
  Op op;
  std::string_view text;
};

constexpr std::array<OpName, 21> kOps = {{
    {Op::kEq, "="},
    {Op::kNe, "!="},
    {Op::kLt, "<"},
    {Op::kLe, "<="},
    {Op::kGt, ">"},
    {Op::kGe, ">="},
    {Op::kEqOpt, "=?"},
    {Op::kIn, "in"},
    {Op::kNotIn, "not in"},
    {Op::kLike, "like"},
    {Op::kNotLike, "not like"},
    {Op::kIlike, "ilike"},
    {Op::kNotIlike, "not ilike"},
    {Op::kEqLike, "=like"},
    {Op::kNotEqLike, "not =like"},
    {Op::kEqIlike, "=ilike"},
    {Op::kNotEqIlike, "not =ilike"},
    {Op::kChildOf, "child_of"},
    {Op::kParentOf, "parent_of"},
    {Op::kAny, "any"},
    {Op::kNotAny, "not any"},
}};

std::shared_ptr<const Node> make(Node n) {
  return std::make_shared<const Node>(std::move(n));
}

// Appends `child` to `out`, splicing its children when it is of the same kind (AND of ANDs).
void append_flat(std::vector<Node>& out, Node::Kind kind, Node child) {
  if (child.kind == kind) {
    for (Node& c : child.children) {
      out.push_back(std::move(c));
    }
  } else {
    out.push_back(std::move(child));
  }
}

Node combine(Node::Kind kind, Node a, Node b) {
  Node n;
  n.kind = kind;
  append_flat(n.children, kind, std::move(a));
  append_flat(n.children, kind, std::move(b));
  return n;
}

// Merges nested ANDs into their AND parent and ORs into their OR parent, everywhere in the
// tree, without recursion (a chain of 'x' binary operators is 'x' levels deep before this).
// Merged nodes are emptied before they are destroyed, so destruction stays shallow too.
void flatten(Node& root) {
  std::vector<Node*> work{&root};
  while (!work.empty()) {
    Node* n = work.back();
    work.pop_back();
    if (n->kind == Node::Kind::kAnd || n->kind == Node::Kind::kOr) {
      std::vector<Node> pending;  // in reverse order
      for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) {
        pending.push_back(std::move(*it));
      }
      n->children.clear();
      while (!pending.empty()) {
        Node c = std::move(pending.back());
        pending.pop_back();
        if (c.kind == n->kind) {
          for (auto it = c.children.rbegin(); it != c.children.rend(); ++it) {
            pending.push_back(std::move(*it));
          }
        } else {
          n->children.push_back(std::move(c));
        }
      }
    }
    for (Node& c : n->children) {
      work.push_back(&c);
    }
  }
}

// Deeper nesting than this (alternating operators, chains of '!', sub-domains in sub-domains)
// is refused: no real domain needs it, and the recursive passes over the tree must not run out
// of stack on hostile input. Chains of one operator ('|', '|', '|', ...) are flattened and do
// not count.
constexpr int kMaxDepth = 200;

// Parses one domain (a JSON array) into a Node, without recursion on the prefix operators: a
// stack of the operators still waiting for operands. A sub-domain's parser knows its parent and
// the any-term it belongs to, to say where an error is.
class JsonParser {
 public:
  JsonParser(const Json& list, const JsonParser* parent, const Json* parent_term, int depth)
      : list_(list), parent_(parent), parent_term_(parent_term), depth_(depth) {}

  Node parse() {
    if (!list_.is_array()) {
      throw ValueError(fmt::format("{}A domain must be a list of terms, got {} {}", where(),
                                   common::json_type_name(list_), common::json_repr(list_)));
    }
    std::vector<Pending> stack;
    std::vector<Built> top;  // complete top-level expressions, implicitly AND-ed
    for (size_t index = 0; index < list_.size(); ++index) {
      const Json& item = list_[index];
      if (item.is_string()) {
        const std::string& s = item.get_ref<const std::string&>();
        if (s == "&" || s == "|" || s == "!") {
          stack.push_back(Pending{s, index, {}});
          continue;
        }
        throw ValueError(fmt::format(
            "{}Domain item #{} is malformed: expected '&', '|', '!' or a [path, operator, value] "
            "term, got the string {}",
            where(), index + 1, common::json_repr(item)));
      }
      if (!item.is_array()) {
        throw ValueError(fmt::format(
            "{}Domain item #{} is malformed: expected '&', '|', '!' or a [path, operator, value] "
            "term, got {} {}",
            where(), index + 1, common::json_type_name(item), common::json_repr(item)));
      }
      Built done{term(item, index), 1};
      // Hand the expression to the operators waiting for it, completing them in turn.
      while (true) {
        if (stack.empty()) {
          top.push_back(std::move(done));
          break;
        }
        Pending& op = stack.back();
        op.operands.push_back(std::move(done));
        if (op.operands.size() < arity(op.op)) {
          break;
        }
        done = complete(op);
        stack.pop_back();
      }
    }
    if (!stack.empty()) {
      const Pending& op = stack.back();
      throw ValueError(fmt::format(
          "{}Domain is malformed: operator '{}' (item #{}) expects {} operand{}, but the domain "
          "ends before operand {}",
          where(), op.op, op.index + 1, arity(op.op), arity(op.op) == 1 ? "" : "s",
          op.operands.size() + 1));
    }
    if (top.empty()) {
      return Node{};
    }
    Node result;
    if (top.size() == 1) {
      result = std::move(top.front().node);
    } else {
      result.kind = Node::Kind::kAnd;
      for (Built& b : top) {
        result.children.push_back(std::move(b.node));
      }
    }
    flatten(result);
    return result;
  }

 private:
  struct Built {
    Node node;
    int depth;  // nesting levels of node (1 for a term)
  };
  struct Pending {
    std::string op;
    size_t index;
    std::vector<Built> operands;
  };

  static size_t arity(const std::string& op) { return op == "!" ? 1 : 2; }

  Built complete(Pending& op) {
    Built out;
    if (op.op == "!") {
      out.node.kind = Node::Kind::kNot;
      out.depth = op.operands[0].depth + 1;
      out.node.children.push_back(std::move(op.operands[0].node));
    } else {
      Node::Kind kind = op.op == "&" ? Node::Kind::kAnd : Node::Kind::kOr;
      // A chain of the same operator flattens into one node: no extra level.
      auto level = [&](const Built& b) { return b.depth + (b.node.kind == kind ? 0 : 1); };
      out.depth = std::max(level(op.operands[0]), level(op.operands[1]));
      // Binary for now: flatten() merges the chains once the whole domain is read (merging here
      // would copy a growing list at each step of a long chain).
      out.node.kind = kind;
      out.node.children.push_back(std::move(op.operands[0].node));
      out.node.children.push_back(std::move(op.operands[1].node));
    }
    if (depth_ + out.depth > kMaxDepth) {
      throw ValueError(fmt::format(
          "{}Domain is too deeply nested (operator '{}' at item #{}): more than {} levels", where(),
          op.op, op.index + 1, kMaxDepth));
    }
    return out;
  }

  Node term(const Json& item, size_t index) {
    if (item.size() != 3) {
      throw ValueError(fmt::format(
          "{}Domain term #{} is malformed: expected [path, operator, value], got {} ({} "
          "element{})",
          where(), index + 1, term_repr(item), item.size(), item.size() == 1 ? "" : "s"));
    }
    const Json& path = item[0];
    const Json& op = item[1];
    const Json& value = item[2];
    if (!op.is_string()) {
      throw ValueError(
          fmt::format("{}Domain term #{} is malformed: the operator must be a string, got {} in {}",
                      where(), index + 1, common::json_repr(op), term_repr(item)));
    }
    // Constants (1, '=', 1) and (0, '=', 1).
    if (path.is_number_integer() && op.get_ref<const std::string&>() == "=" &&
        value.is_number_integer() && value.get<std::int64_t>() == 1) {
      auto p = path.get<std::int64_t>();
      if (p == 1 || p == 0) {
        Node n;
        n.kind = p == 1 ? Node::Kind::kTrue : Node::Kind::kFalse;
        return n;
      }
    }
    if (!path.is_string() || path.get_ref<const std::string&>().empty()) {
      throw ValueError(fmt::format(
          "{}Domain term #{} is malformed: the path must be a field name (a non-empty string), "
          "got {} in {}",
          where(), index + 1, common::json_repr(path), term_repr(item)));
    }
    const std::string& path_text = path.get_ref<const std::string&>();
    if (path_text.front() == '.' || path_text.back() == '.' ||
        path_text.find("..") != std::string::npos) {
      throw ValueError(fmt::format(
          "{}Domain term #{} is malformed: '{}' is not a field name or a dotted path in {}",
          where(), index + 1, path_text, term_repr(item)));
    }
    std::optional<Op> parsed = parse_op(op.get_ref<const std::string&>());
    if (!parsed) {
      throw ValueError(fmt::format("{}Invalid term domain {}, operator '{}' doesn't exist.",
                                   where(), term_repr(item), op.get_ref<const std::string&>()));
    }
    Node n;
    n.kind = Node::Kind::kTerm;
    n.path = path_text;
    n.op = *parsed;
    n.value = value;
    if (n.op == Op::kAny || n.op == Op::kNotAny) {
      if (!value.is_array()) {
        throw ValueError(fmt::format(
            "{}Invalid term domain {}: the value of '{}' must be a domain (a list), got {}",
            where(), term_repr(item), op_text(n.op), common::json_type_name(value)));
      }
      if (depth_ + 1 > kMaxDepth) {
        throw ValueError(fmt::format("{}Domain is too deeply nested (sub-domain of term #{})",
                                     where(), index + 1));
      }
      n.sub = make(JsonParser(value, this, &item, depth_ + 1).parse());
    }
    return n;
  }

  // The prefix of messages: where the sub-domain sits, built only when an error is reported. Only
  // the innermost term is named (with the depth), so that a message never grows with nesting.
  std::string where() const {
    if (!parent_) {
      return "";
    }
    int depth = 0;
    for (const JsonParser* p = this; p->parent_; p = p->parent_)
      ++depth;
    if (depth == 1)
      return fmt::format("In the sub-domain of term {}: ", term_repr(*parent_term_));
    return fmt::format(
        "In the sub-domain of term {} ({} sub-domains deep): ", term_repr(*parent_term_), depth);
  }

  const Json& list_;
  const JsonParser* parent_;
  const Json* parent_term_;
  int depth_;
};

Json node_json(const Node& n, bool top);

void node_items(const Node& n, Json& out) {
  switch (n.kind) {
    case Node::Kind::kTrue:
      out.push_back(Json::array({1, "=", 1}));
      return;
    case Node::Kind::kFalse:
      out.push_back(Json::array({0, "=", 1}));
      return;
    case Node::Kind::kAnd:
    case Node::Kind::kOr:
      for (size_t i = 1; i < n.children.size(); ++i) {
        out.push_back(n.kind == Node::Kind::kAnd ? "&" : "|");
      }
      for (const Node& c : n.children) {
        node_items(c, out);
      }
      return;
    case Node::Kind::kNot:
      out.push_back("!");
      node_items(n.children.at(0), out);
      return;
    case Node::Kind::kTerm: {
      Json value = n.value;
      if (n.sub) {
        value = node_json(*n.sub, true);
      }
      out.push_back(Json::array({n.path, op_text(n.op), std::move(value)}));
      return;
    }
  }
}

Json node_json(const Node& n, bool top) {
  Json out = Json::array();
  if (top && n.kind == Node::Kind::kTrue) {
    return out;
  }
  node_items(n, out);
  return out;
}

bool node_mentions(const Node& n, std::string_view field) {
  if (n.kind == Node::Kind::kTerm) {
    return n.path == field || (n.path.size() > field.size() && n.path.starts_with(field) &&
                               n.path[field.size()] == '.');
  }
  for (const Node& c : n.children) {
    if (node_mentions(c, field)) {
      return true;
    }
  }
  return false;
}

}  // namespace

namespace internal {

namespace {

// Messages quote terms, but not without limit (a term can hold a whole sub-domain).
std::string capped(std::string text) {
  constexpr size_t kMax = 300;
  if (text.size() > kMax) {
    size_t cut = kMax;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut;  // not inside a UTF-8 sequence
    }
    text.resize(cut);
    text += "...";
  }
  return text;
}

}  // namespace

std::string term_repr(const Json& item) {
  if (!item.is_array()) {
    return capped(common::json_repr(item));
  }
  std::string out = "(";
  for (size_t i = 0; i < item.size(); ++i) {
    out += (i ? ", " : "") + common::json_repr(item[i]);
  }
  return capped(out + (item.size() == 1 ? ",)" : ")"));
}

std::string term_repr(const Node& term) {
  return capped(
      fmt::format("('{}', '{}', {})", term.path, op_text(term.op), common::json_repr(term.value)));
}

}  // namespace internal

std::string_view op_text(Op op) {
  for (const OpName& o : kOps) {
    if (o.op == op) {
      return o.text;
    }
  }
  return "?";
}

std::string like_literal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\' || c == '%' || c == '_')
      out += '\\';
    out += c;
  }
  return out;
}

std::optional<Op> parse_op(std::string_view text) {
  std::string lower;
  lower.reserve(text.size());
  for (char c : text) {
    lower += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
  }
  if (lower == "<>") {
    return Op::kNe;
  }
  if (lower == "==") {
    return Op::kEq;
  }
  for (const OpName& o : kOps) {
    if (o.text == lower) {
      return o.op;
    }
  }
  return std::nullopt;
}

Domain::Domain() : root_(make(Node{})) {}

Domain Domain::from_json(const Json& json) {
  return Domain(make(JsonParser(json, nullptr, nullptr, 0).parse()));
}

Json Domain::to_json() const {
  return node_json(*root_, true);
}

Domain Domain::conjoin(const Domain& a, const Domain& b) {
  if (a.root_->kind == Node::Kind::kTrue || b.root_->kind == Node::Kind::kFalse) {
    return b;
  }
  if (b.root_->kind == Node::Kind::kTrue || a.root_->kind == Node::Kind::kFalse) {
    return a;
  }
  return Domain(make(combine(Node::Kind::kAnd, *a.root_, *b.root_)));
}

Domain Domain::disjoin(const Domain& a, const Domain& b) {
  if (a.root_->kind == Node::Kind::kFalse || b.root_->kind == Node::Kind::kTrue) {
    return b;
  }
  if (b.root_->kind == Node::Kind::kFalse || a.root_->kind == Node::Kind::kTrue) {
    return a;
  }
  return Domain(make(combine(Node::Kind::kOr, *a.root_, *b.root_)));
}

Domain Domain::term(std::string path, Op op, Json value) {
  Json item = Json::array({std::move(path), op_text(op), std::move(value)});
  return from_json(Json::array({std::move(item)}));
}

bool Domain::mentions(std::string_view field) const {
  return node_mentions(*root_, field);
}

}  // namespace autorules::domain
