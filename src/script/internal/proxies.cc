#include "script/internal/proxies.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <unordered_set>

#include <fmt/format.h>
#include <pybind11/embed.h>
#include <pybind11/stl.h>

#include "common/errors.h"
#include "orm/methods.h"
#include "script/internal/deadline.h"
#include "script/internal/interpreter.h"
#include "store/database.h"

namespace autorules::script::internal {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using schema::FieldType;

ComputeFrame*& current_compute() {
  thread_local ComputeFrame* frame = nullptr;
  return frame;
}

bool& evaluation_is_superuser() {
  thread_local bool superuser = false;
  return superuser;
}

namespace {

// Modules and functions the proxies use, imported once at start-up: importing while user code
// runs would go through the sandbox's restricted __import__.
py::object* g_datetime = nullptr;
py::object* g_sorted = nullptr;

py::object datetime_module() {
  return *g_datetime;
}

// --- Conversions ---------------------------------------------------------------------------

py::object value_to_py(const orm::RecordSet& owner, const schema::Field& f, const Value& v) {
  switch (f.type) {
    case FieldType::kInteger:
      return py::int_(v.is_int() ? v.as_int() : 0);
    case FieldType::kFloat:
    case FieldType::kMonetary:
      return py::float_(v.is_number() ? v.as_number() : 0.0);
    case FieldType::kBoolean:
      return py::bool_(v.truthy());
    case FieldType::kDate: {
      if (!v.is_date())
        return py::bool_(false);
      common::CivilDate c = common::civil(v.as_date());
      return datetime_module().attr("date")(c.year, c.month, c.day);
    }
    case FieldType::kDatetime: {
      if (!v.is_datetime())
        return py::bool_(false);
      common::DateTime dt = v.as_datetime();
      common::Date d = common::date_of(dt);
      common::CivilDate c = common::civil(d);
      std::int64_t secs = dt.seconds - static_cast<std::int64_t>(d.days) * 86400;
      return datetime_module().attr("datetime")(c.year, c.month, c.day, secs / 3600, secs / 60 % 60,
                                                secs % 60);
    }
    case FieldType::kMany2one: {
      orm::RecordSet co = owner.env()[f.relation];
      return wrap(co.browse(v.is_int() ? IdList{v.as_int()} : IdList{}));
    }
    case FieldType::kOne2many:
    case FieldType::kMany2many: {
      orm::RecordSet co = owner.env()[f.relation];
      return wrap(co.browse(v.is_ids() ? v.as_ids() : IdList{}));
    }
    case FieldType::kHtml:
      // Odoo's html fields read as Markup, which QWeb's t-out writes without escaping.
      if (!v.is_string())
        return py::bool_(false);
      return sandbox().attr("Markup")(py::str(v.as_string()));
    default:
      return v.is_string() ? py::object(py::str(v.as_string())) : py::object(py::bool_(false));
  }
}

std::string class_name(py::handle value) {
  return py::str(py::type::handle_of(value).attr("__name__")).cast<std::string>();
}

// A name user code gave (a field, a path), for a message.
std::string shown(std::string_view name) {
  return excerpt(name, 200);
}

// Ids user code makes the server hold (browse, +, |, slices) count against the evaluation's
// allocation budget: `r = r + r` in a loop would otherwise grow C++ memory without limit.
void charge_ids(std::size_t count) {
  if (!charge(count * sizeof(Id)))
    throw std::bad_alloc();  // MemoryError in Python
}

// Hashing, comparing and intersecting records is linear in their ids and allocates outside
// Python's allocators: a tuple of many references to one big recordset, hashed, would do it again
// and again in one C loop. The work is counted against the evaluation's time limit
// (internal/deadline.h); past it, SandboxTimeout.
void spend_on_ids(std::size_t count) {
  if (out_of_time(1 + count))
    throw py::error_already_set();
}

// Runs an ORM call that gives records without the GIL, then wraps them (with the GIL).
template <class F>
py::object records_without_gil(F&& f) {
  std::optional<orm::RecordSet> out;
  {
    py::gil_scoped_release release;
    out.emplace(f());
  }
  return wrap(*out);
}

bool is_datetime(py::handle v) {
  return py::isinstance(v, datetime_module().attr("datetime"));
}
bool is_date(py::handle v) {
  return py::isinstance(v, datetime_module().attr("date"));
}

}  // namespace

namespace {

// One conversion from Python to JSON: bounded depth, no cycles, bounded size.
class ToJson {
 public:
  Json convert(py::handle v, int depth);

 private:
  void count(std::size_t bytes) {
    size_ += bytes;
    if (size_ > kMaxJsonBytes) {
      throw common::ValueError(fmt::format(
          "the value is larger than {} MiB and cannot be stored or returned", kMaxJsonBytes >> 20));
    }
  }
  Json text(py::handle s);
  // Enters a list, tuple, set or dict: refused when it is one of the containers being converted
  // (it contains itself) or nests too deep.
  void enter(py::handle container, int depth);

  std::vector<PyObject*> open_;  // the containers being converted, outermost first
  std::size_t size_ = 0;
};

void ToJson::enter(py::handle container, int depth) {
  if (std::find(open_.begin(), open_.end(), container.ptr()) != open_.end()) {
    throw common::ValueError(
        "the value contains itself (a list or dictionary that refers back to itself) and cannot "
        "be stored or returned");
  }
  if (depth >= kMaxDepth) {
    throw common::ValueError(
        fmt::format("the value is nested more than {} levels deep and cannot be stored or returned",
                    kMaxDepth));
  }
  open_.push_back(container.ptr());
}

Json ToJson::text(py::handle s) {
  Py_ssize_t size = 0;
  const char* utf8 = PyUnicode_AsUTF8AndSize(s.ptr(), &size);
  if (!utf8) {
    PyErr_Clear();
    throw common::ValueError(
        "a text holds a character that cannot be stored (a lone surrogate such as '\\ud800')");
  }
  count(static_cast<std::size_t>(size));
  return std::string(utf8, static_cast<std::size_t>(size));
}

Json ToJson::convert(py::handle v, int depth) {
  count(16);
  if (v.is_none())
    return nullptr;
  if (py::isinstance<py::bool_>(v))
    return v.cast<bool>();
  if (py::isinstance<py::int_>(v)) {
    try {
      return v.cast<std::int64_t>();
    } catch (const py::cast_error&) {
      throw common::ValueError("an integer is out of the 64-bit range");
    }
  }
  if (py::isinstance<py::float_>(v))
    return v.cast<double>();
  if (py::isinstance<py::str>(v))
    return text(v);
  if (py::isinstance<py::bytes>(v)) {
    count(static_cast<std::size_t>(PyBytes_GET_SIZE(v.ptr())));
    return v.cast<std::string>();
  }
  if (is_records(v)) {
    const IdList& ids = records_of(v).ids();
    count(16 * ids.size());
    return ids;
  }
  if (is_datetime(v)) {
    py::object dt = py::reinterpret_borrow<py::object>(v);
    if (!dt.attr("tzinfo").is_none()) {
      // Aware datetimes are stored in UTC, naive (Odoo's convention).
      dt = dt.attr("astimezone")(datetime_module().attr("timezone").attr("utc"))
               .attr("replace")(py::arg("tzinfo") = py::none());
    }
    return py::str(dt.attr("strftime")("%Y-%m-%d %H:%M:%S")).cast<std::string>();
  }
  if (is_date(v))
    return py::str(v.attr("isoformat")()).cast<std::string>();
  if (py::isinstance<py::list>(v) || py::isinstance<py::tuple>(v) || py::isinstance<py::set>(v) ||
      py::isinstance<py::frozenset>(v)) {
    enter(v, depth);
    Json out = Json::array();
    for (py::handle item : v)
      out.push_back(convert(item, depth + 1));
    open_.pop_back();
    return out;
  }
  if (py::isinstance<py::dict>(v)) {
    enter(v, depth);
    Json out = Json::object();
    for (auto [k, item] : py::reinterpret_borrow<py::dict>(v)) {
      // Int keys (record ids, as in old_values) become their digits.
      if (py::isinstance<py::int_>(k) && !py::isinstance<py::bool_>(k)) {
        out[py::str(k).cast<std::string>()] = convert(item, depth + 1);
        continue;
      }
      if (!py::isinstance<py::str>(k)) {
        throw common::ValueError(
            fmt::format("dictionary keys must be strings, not {}", class_name(k)));
      }
      Json key = text(k);
      out[key.get_ref<const std::string&>()] = convert(item, depth + 1);
    }
    open_.pop_back();
    return out;
  }
  throw common::ValueError(
      fmt::format("a value of type {} cannot be stored or returned", class_name(v)));
}

py::object from_json_at(const Json& j, int depth) {
  switch (j.type()) {
    case Json::value_t::null:
      return py::none();
    case Json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case Json::value_t::number_float:
      return py::float_(j.get<double>());
    case Json::value_t::string:
      return py::str(j.get_ref<const std::string&>());
    case Json::value_t::array:
    case Json::value_t::object:
      break;
    default:
      return py::none();
  }
  if (depth >= kMaxDepth) {
    throw common::ValueError(fmt::format(
        "a value nested more than {} levels deep cannot be given to Python code", kMaxDepth));
  }
  if (j.is_array()) {
    py::list out;
    for (const Json& x : j)
      out.append(from_json_at(x, depth + 1));
    return out;
  }
  py::dict out;
  for (const auto& [k, x] : j.items())
    out[py::str(k)] = from_json_at(x, depth + 1);
  return out;
}

}  // namespace

Json to_json(py::handle v) {
  return ToJson().convert(v, 0);
}

Json values_to_json(const schema::Model& model, py::handle vals) {
  if (!py::isinstance<py::dict>(vals)) {
    throw common::ValueError(
        fmt::format("expected a dictionary of field values, got {}", class_name(vals)));
  }
  ToJson converter;
  Json out = Json::object();
  for (auto [k, v] : py::reinterpret_borrow<py::dict>(vals)) {
    if (!py::isinstance<py::str>(k))
      throw common::ValueError("field names must be strings");
    std::string name = k.cast<std::string>();
    const schema::Field* f = model.field(name);
    if (f && is_records(v)) {
      const IdList& ids = records_of(v).ids();
      if (f->type == FieldType::kMany2one) {
        if (ids.size() > 1) {
          throw common::ValueError(
              fmt::format("Expected singleton for {}: {} records", name, ids.size()));
        }
        out[name] = ids.empty() ? Json(false) : Json(ids[0]);
      } else {
        out[name] = Json::array({Json::array({6, 0, ids})});
      }
      continue;
    }
    out[name] = converter.convert(v, 1);
  }
  return out;
}

py::object from_json(const Json& j) {
  return from_json_at(j, 0);
}

namespace {

// The context as Odoo's code sees it: `old_values` is keyed by record id, an int in Python
// (JSON objects only have text keys).
py::object context_to_python(const Json& ctx) {
  py::object out = from_json(ctx);
  auto it = ctx.find("old_values");
  if (it == ctx.end() || !it->is_object())
    return out;
  py::dict by_id;
  for (const auto& [k, x] : it->items()) {
    bool digits = !k.empty() && k.size() < 19 &&
                  std::all_of(k.begin(), k.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits)
      by_id[py::int_(std::stoll(k))] = from_json(x);
    else
      by_id[py::str(k)] = from_json(x);
  }
  out["old_values"] = by_id;
  return out;
}

// --- Records ---------------------------------------------------------------------------------

orm::RecordSet single(const RecordsProxy& self) {
  self.rs.id();  // ValueError "Expected singleton" otherwise
  return self.rs;
}

py::object field_of(const RecordsProxy& self, const std::string& name) {
  const schema::Model& m = self.rs.model();
  const schema::Field* f = m.field(name);
  if (!f || f->secret) {
    throw py::attribute_error(
        fmt::format("'{}' object has no attribute '{}'", m.name(), shown(name)));
  }
  if (self.rs.empty()) {
    // Odoo: a field of an empty recordset is False, or an empty recordset for relations.
    return value_to_py(self.rs, *f, Value());
  }
  orm::RecordSet one = single(self);
  if (ComputeFrame* frame = current_compute();
      frame && frame->model == m.name() && frame->field == name) {
    auto it = frame->values.find(one.id());
    if (it != frame->values.end())
      return from_json(it->second);
  }
  Value v;
  {
    py::gil_scoped_release release;
    v = one.get(name);
  }
  return value_to_py(one, *f, v);
}

py::object records_getattr(const RecordsProxy& self, const std::string& name) {
  const schema::Model& m = self.rs.model();
  if (m.field(name))
    return field_of(self, name);
  // A model's own public method (ir.config_parameter.get_param, ...): positional arguments
  // bind to its parameters in order.
  const orm::Method* method = self.rs.env().runtime().method(m.name(), name);
  if (method && !name.starts_with("_")) {
    orm::RecordSet rs = self.rs;
    return py::cpp_function([rs, name, method](py::args args, py::kwargs kwargs) {
      Json params = Json::object();
      if (args.size() > method->params.size()) {
        throw common::ValueError(
            fmt::format("{}() takes at most {} arguments", name, method->params.size()));
      }
      for (size_t i = 0; i < args.size(); ++i)
        params[method->params[i]] = to_json(args[i]);
      for (auto [k, v] : kwargs)
        params[k.cast<std::string>()] = to_json(v);
      Json ids = rs.empty() ? Json(nullptr) : Json(rs.ids());
      Json result;
      {
        py::gil_scoped_release release;
        result = orm::call_method(rs.env(), rs.name(), name, ids, params);
      }
      return from_json(result);
    });
  }
  throw py::attribute_error(
      fmt::format("'{}' object has no attribute '{}'", m.name(), shown(name)));
}

void write_vals(const orm::RecordSet& rs, const Json& vals) {
  py::gil_scoped_release release;
  // A failed write leaves nothing behind even when the code catches the error.
  store::Savepoint sp(rs.env().cr());
  rs.write(vals);
  sp.release();
}

void records_setitem(const RecordsProxy& self, const std::string& name, py::handle value) {
  const schema::Model& m = self.rs.model();
  if (ComputeFrame* frame = current_compute();
      frame && frame->model == m.name() && frame->field == name) {
    py::dict one;
    one[py::str(name)] = value;
    Json v = values_to_json(m, one)[name];
    for (Id id : self.rs.ids())
      frame->values[id] = v;
    return;
  }
  py::dict vals;
  vals[py::str(name)] = value;
  write_vals(single(self), values_to_json(m, vals));
}

orm::RecordSet other_records(const RecordsProxy& self, py::handle other) {
  if (!is_records(other))
    throw py::type_error("expected records");
  const orm::RecordSet& o = records_of(other);
  if (o.name() != self.rs.name()) {
    throw common::ValueError(
        fmt::format("cannot combine {} and {} records", self.rs.name(), o.name()));
  }
  return o;
}

// The records of `self` that are (or are not) in `other`, in order, without duplicates: & and -.
py::object filter_by(const RecordsProxy& self, py::handle other, bool in_other) {
  orm::RecordSet o = other_records(self, other);
  spend_on_ids(self.rs.size() + o.size());
  std::unordered_set<Id> theirs(o.ids().begin(), o.ids().end());
  std::unordered_set<Id> seen;
  IdList ids;
  for (Id id : self.rs.ids()) {
    if (theirs.count(id) == (in_other ? 1u : 0u) && seen.insert(id).second)
      ids.push_back(id);
  }
  return wrap(self.rs.browse(ids));
}

bool same_records(const RecordsProxy& self, py::handle other) {
  if (!is_records(other))
    return false;
  const orm::RecordSet& o = records_of(other);
  spend_on_ids(self.rs.size() + o.size());
  return o.name() == self.rs.name() &&
         std::unordered_set<Id>(o.ids().begin(), o.ids().end()) ==
             std::unordered_set<Id>(self.rs.ids().begin(), self.rs.ids().end());
}

domain::Domain domain_arg(const orm::Env& env, py::handle d) {
  if (d.is_none())
    return domain::Domain();
  if (py::isinstance<py::str>(d))
    return orm::parse_domain(env, d.cast<std::string>());
  return domain::Domain::from_json(to_json(d));
}

py::object mapped(const RecordsProxy& self, py::handle what) {
  if (py::isinstance<py::str>(what)) {
    // A dotted path: relational ends give the union of the records, others a list of values.
    std::string path = what.cast<std::string>();
    const orm::RecordSet& start = self.rs;
    auto walked = start.env().registry().resolve_path(start.model(), path,
                                                      schema::Registry::OnBadPath::kStop);
    orm::RecordSet current = start;
    for (size_t i = 0; i < walked.steps.size(); ++i) {
      const auto& [model, f] = walked.steps[i];
      if (f->secret) {
        throw py::attribute_error(
            fmt::format("'{}' object has no attribute '{}'", model->name(), shown(f->name)));
      }
      if (f->is_relational()) {
        py::gil_scoped_release release;
        current = current.related(f->name);
        continue;
      }
      py::list out;
      std::vector<Value> values;
      {
        py::gil_scoped_release release;
        values = current.mapped(f->name);
      }
      for (size_t k = 0; k < values.size(); ++k) {
        out.append(value_to_py(current.browse({current.ids()[k]}), *f, values[k]));
      }
      if (i + 1 < walked.segments.size()) {
        throw common::ValueError(
            fmt::format("'{}' is not relational and cannot be followed", f->name));
      }
      return out;
    }
    if (walked.stop == schema::Registry::ResolvedPath::Stop::kNoField) {
      throw py::attribute_error(fmt::format("'{}' object has no attribute '{}'",
                                            walked.model->name(),
                                            shown(walked.segments[walked.steps.size()])));
    }
    return wrap(current);
  }
  // A function: the list of its results, or the union when they are all records.
  py::list results;
  bool all_records = !self.rs.empty();
  for (Id id : self.rs.ids()) {
    py::object r = py::reinterpret_borrow<py::object>(what)(wrap(self.rs.browse({id})));
    all_records = all_records && is_records(r);
    results.append(r);
  }
  if (all_records) {
    orm::RecordSet u = records_of(results[0]).browse({});
    for (py::handle r : results)
      u = u | records_of(r);
    return wrap(u);
  }
  return results;
}

py::object filtered(const RecordsProxy& self, py::handle how) {
  if (py::isinstance<py::str>(how) && how.cast<std::string>().find('[') == std::string::npos) {
    // A field name: the records where it is truthy.
    std::string name = how.cast<std::string>();
    IdList keep;
    for (Id id : self.rs.ids()) {
      RecordsProxy one{self.rs.browse({id})};
      if (py::bool_(field_of(one, name)))
        keep.push_back(id);
    }
    return wrap(self.rs.browse(keep));
  }
  if (py::isinstance<py::list>(how) || py::isinstance<py::str>(how)) {
    domain::Domain d = domain_arg(self.rs.env(), how);
    return records_without_gil([&] { return self.rs.filtered_domain(d); });
  }
  IdList keep;
  for (Id id : self.rs.ids()) {
    if (py::bool_(py::reinterpret_borrow<py::object>(how)(wrap(self.rs.browse({id})))))
      keep.push_back(id);
  }
  return wrap(self.rs.browse(keep));
}

py::object sorted_records(const RecordsProxy& self, py::object key, bool reverse) {
  py::list items;
  for (Id id : self.rs.ids())
    items.append(wrap(self.rs.browse({id})));
  if (key.is_none()) {
    // The model's default order.
    orm::SearchOptions o;
    orm::RecordSet found = self.rs.browse({});
    {
      py::gil_scoped_release release;
      found = self.rs.sudo().search(
          domain::Domain::term("id", domain::Op::kIn, Json(self.rs.ids())), o);
    }
    IdList ids = found.ids();
    if (reverse)
      std::reverse(ids.begin(), ids.end());
    return wrap(self.rs.browse(ids));
  }
  py::object key_fn = key;
  if (py::isinstance<py::str>(key)) {
    std::string name = key.cast<std::string>();
    key_fn = py::cpp_function(
        [name](py::handle r) { return field_of(r.cast<const RecordsProxy&>(), name); });
  }
  py::list ordered = (*g_sorted)(items, py::arg("key") = key_fn, py::arg("reverse") = reverse);
  IdList ids;
  for (py::handle r : ordered)
    ids.push_back(records_of(r).id());
  return wrap(self.rs.browse(ids));
}

}  // namespace

bool is_records(py::handle value) {
  return py::isinstance<RecordsProxy>(value);
}

const orm::RecordSet& records_of(py::handle value) {
  return value.cast<const RecordsProxy&>().rs;
}

py::object wrap(const orm::RecordSet& records) {
  return py::cast(RecordsProxy{records});
}
py::object wrap_env(const orm::Env& env) {
  return py::cast(EnvProxy{env});
}

void import_proxies() {
  if (!g_datetime) {
    g_datetime = new py::object(py::module_::import("datetime"));
    g_sorted = new py::object(py::module_::import("builtins").attr("sorted"));
  }
  py::module_::import("_autorules_orm");
}

}  // namespace autorules::script::internal

namespace {

using autorules::common::Id;
using autorules::common::IdList;
using autorules::common::Json;
using namespace autorules::script::internal;
namespace orm = autorules::orm;
namespace common = autorules::common;
namespace domain = autorules::domain;
namespace store = autorules::store;

PyObject* exception_type(const char* name) {
  return sandbox().attr(name).ptr();
}

// Raises `e` as the Python exception `type`. An error raised in an automation rule keeps the rule
// on the exception, so that it reaches the caller with it (interpreter.cc, rule_of) when the code
// lets it through.
void raise_user_error(PyObject* type, const common::Error& e) {
  if (!e.rule()) {
    PyErr_SetString(type, e.what());
    return;
  }
  auto message = py::reinterpret_steal<py::object>(
      PyUnicode_DecodeUTF8(e.what(), static_cast<Py_ssize_t>(std::strlen(e.what())), "replace"));
  if (!message)
    return;  // MemoryError is set
  PyObject* exc = PyObject_CallOneArg(type, message.ptr());
  if (!exc)
    return;
  const std::string& name = e.rule()->name;
  PyObject* rule = Py_BuildValue(
      "(LN)", static_cast<long long>(e.rule()->id),
      PyUnicode_DecodeUTF8(name.data(), static_cast<Py_ssize_t>(name.size()), "replace"));
  if (!rule || PyObject_SetAttrString(exc, "_autorules_rule", rule) < 0)
    PyErr_Clear();  // only the rule is lost: the rules it passes through name themselves
  Py_XDECREF(rule);
  PyErr_SetObject(type, exc);
  Py_DECREF(exc);
}

// sudo() from an env that is not superuser: only for an evaluation that runs as superuser (a
// rule's action that dropped it with sudo(False)), the superuser and administrators.
void check_may_sudo(const orm::Env& env) {
  if (evaluation_is_superuser() || env.uid() == orm::kSuperuserId)
    return;
  bool system;
  {
    py::gil_scoped_release release;
    system = env.is_system();
  }
  if (!system) {
    throw common::AccessError(
        "sudo() is not allowed here: only code run by an automation rule (or by an "
        "administrator) may bypass access rights");
  }
}

}  // namespace

PYBIND11_EMBEDDED_MODULE(_autorules_orm, m) {
  // C++ errors raised by the ORM under user code become the Python exceptions user code knows.
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p)
        std::rethrow_exception(p);
    } catch (const common::Error& e) {
      switch (e.kind()) {
        case common::ErrorKind::kValidation:
          raise_user_error(exception_type("ValidationError"), e);
          return;
        case common::ErrorKind::kAccess:
          raise_user_error(exception_type("AccessError"), e);
          return;
        case common::ErrorKind::kMissing:
          raise_user_error(exception_type("MissingError"), e);
          return;
        case common::ErrorKind::kUser:
          raise_user_error(exception_type("UserError"), e);
          return;
        // Not the code's to handle: the evaluation ends with the error itself (a conflict is
        // retried by the caller, an internal error is a 500 with its details in the log).
        case common::ErrorKind::kConflict:
          hold_uncatchable(p);
          PyErr_SetString(exception_type("SandboxConflict"), e.what());
          return;
        case common::ErrorKind::kInternal:
          hold_uncatchable(p);
          PyErr_SetString(exception_type("SandboxInternalError"),
                          "internal error (details in the server log)");
          return;
        case common::ErrorKind::kNotFound:
          PyErr_SetString(PyExc_KeyError, e.what());
          return;
        case common::ErrorKind::kValue:
        case common::ErrorKind::kUnprocessable:
        case common::ErrorKind::kBadRequest:
          PyErr_SetString(PyExc_ValueError, e.what());
          return;
        default:
          PyErr_SetString(PyExc_RuntimeError, e.what());
          return;
      }
    }
  });

  py::class_<RecordsProxy>(m, "Records")
      .def("__getattr__", &records_getattr)
      .def("__getitem__",
           [](const RecordsProxy& self, py::handle key) -> py::object {
             if (py::isinstance<py::str>(key))
               return field_of(self, key.cast<std::string>());
             if (py::isinstance<py::slice>(key)) {
               size_t start, stop, step, len;
               if (!key.cast<py::slice>().compute(self.rs.size(), &start, &stop, &step, &len)) {
                 throw py::error_already_set();
               }
               charge_ids(len);
               IdList ids;
               for (size_t i = 0; i < len; ++i)
                 ids.push_back(self.rs.ids()[start + i * step]);
               return wrap(self.rs.browse(ids));
             }
             auto i = key.cast<std::int64_t>();
             auto n = static_cast<std::int64_t>(self.rs.size());
             if (i < 0)
               i += n;
             if (i < 0 || i >= n)
               throw py::index_error("record index out of range");
             return wrap(self.rs.browse({self.rs.ids()[static_cast<size_t>(i)]}));
           })
      .def("__setitem__", &records_setitem)
      .def("__len__", [](const RecordsProxy& self) { return self.rs.size(); })
      .def("__bool__", [](const RecordsProxy& self) { return !self.rs.empty(); })
      .def("__iter__",
           [](const RecordsProxy& self) {
             py::list items;
             for (Id id : self.rs.ids())
               items.append(wrap(self.rs.browse({id})));
             return py::iter(items);
           })
      .def("__contains__",
           [](const RecordsProxy& self, py::handle other) {
             if (!is_records(other))
               return false;
             const orm::RecordSet& o = records_of(other);
             if (o.name() != self.rs.name())
               return false;
             spend_on_ids(self.rs.size() + o.size());
             std::unordered_set<Id> have(self.rs.ids().begin(), self.rs.ids().end());
             return std::all_of(o.ids().begin(), o.ids().end(),
                                [&](Id id) { return have.count(id); });
           })
      .def("__eq__", &same_records)
      .def("__ne__", [](const RecordsProxy& self, py::handle o) { return !same_records(self, o); })
      .def("__hash__",
           [](const RecordsProxy& self) {
             spend_on_ids(self.rs.size());
             std::size_t h = std::hash<std::string>{}(self.rs.name());
             IdList ids = self.rs.ids();
             std::sort(ids.begin(), ids.end());
             for (Id id : ids)
               h = h * 31 + std::hash<Id>{}(id);
             return h;
           })
      .def("__or__",
           [](const RecordsProxy& self, py::handle o) {
             orm::RecordSet other = other_records(self, o);
             charge_ids(self.rs.size() + other.size());
             return wrap(self.rs | other);
           })
      .def("__add__",
           [](const RecordsProxy& self, py::handle o) {
             orm::RecordSet other = other_records(self, o);
             charge_ids(self.rs.size() + other.size());
             IdList ids = self.rs.ids();
             const IdList& more = other.ids();
             ids.insert(ids.end(), more.begin(), more.end());
             return wrap(self.rs.browse(ids));
           })
      .def("__and__",
           [](const RecordsProxy& self, py::handle o) { return filter_by(self, o, true); })
      .def("__sub__",
           [](const RecordsProxy& self, py::handle o) { return filter_by(self, o, false); })
      .def("__repr__",
           [](const RecordsProxy& self) {
             return fmt::format("{}({}{})", self.rs.name(), fmt::join(self.rs.ids(), ", "),
                                self.rs.size() == 1 ? "," : "");
           })
      .def_property_readonly("ids", [](const RecordsProxy& self) { return self.rs.ids(); })
      .def_property_readonly("id",
                             [](const RecordsProxy& self) -> py::object {
                               if (self.rs.empty())
                                 return py::bool_(false);
                               return py::int_(self.rs.id());
                             })
      .def_property_readonly("_name", [](const RecordsProxy& self) { return self.rs.name(); })
      .def_property_readonly("_description",
                             [](const RecordsProxy& self) { return self.rs.model().description(); })
      .def_property_readonly("display_name",
                             [](const RecordsProxy& self) -> py::object {
                               if (self.rs.empty())
                                 return py::bool_(false);
                               orm::RecordSet one = single(self);
                               py::gil_scoped_release release;
                               return py::str(one.display_names()[0]);
                             })
      .def_property_readonly("env",
                             [](const RecordsProxy& self) { return wrap_env(self.rs.env()); })
      .def(
          "browse",
          [](const RecordsProxy& self, py::object ids) {
            IdList out;
            if (py::isinstance<py::int_>(ids)) {
              out.push_back(ids.cast<Id>());
            } else if (!ids.is_none() && !(py::isinstance<py::bool_>(ids) && !ids.cast<bool>())) {
              for (py::handle i : ids) {
                if ((out.size() & 4095) == 0)
                  charge_ids(4096);
                out.push_back(i.cast<Id>());
              }
            }
            return wrap(self.rs.browse(out));
          },
          py::arg("ids") = py::none())
      .def(
          "search",
          [](const RecordsProxy& self, py::object d, std::int64_t offset, py::object limit,
             py::object order) {
            orm::SearchOptions o;
            o.offset = offset;
            if (!limit.is_none())
              o.limit = limit.cast<std::int64_t>();
            if (!order.is_none())
              o.order = order.cast<std::string>();
            domain::Domain dom = domain_arg(self.rs.env(), d);
            return records_without_gil([&] { return self.rs.search(dom, o); });
          },
          py::arg("domain") = py::list(), py::arg("offset") = 0, py::arg("limit") = py::none(),
          py::arg("order") = py::none())
      .def(
          "search_count",
          [](const RecordsProxy& self, py::object d) {
            domain::Domain dom = domain_arg(self.rs.env(), d);
            py::gil_scoped_release release;
            return self.rs.search_count(dom);
          },
          py::arg("domain") = py::list())
      .def("create",
           [](const RecordsProxy& self, py::object vals) {
             Json list = Json::array();
             if (py::isinstance<py::dict>(vals)) {
               list.push_back(values_to_json(self.rs.model(), vals));
             } else {
               for (py::handle v : vals)
                 list.push_back(values_to_json(self.rs.model(), v));
             }
             return records_without_gil([&] {
               store::Savepoint sp(self.rs.env().cr());
               orm::RecordSet created = self.rs.create(list);
               sp.release();
               return created;
             });
           })
      .def("write",
           [](const RecordsProxy& self, py::object vals) {
             write_vals(self.rs, values_to_json(self.rs.model(), vals));
             return true;
           })
      .def("unlink",
           [](const RecordsProxy& self) {
             py::gil_scoped_release release;
             store::Savepoint sp(self.rs.env().cr());
             self.rs.unlink();
             sp.release();
             return true;
           })
      .def(
          "copy",
          [](const RecordsProxy& self, py::object defaults) {
            Json d =
                defaults.is_none() ? Json::object() : values_to_json(self.rs.model(), defaults);
            return records_without_gil([&] {
              store::Savepoint sp(self.rs.env().cr());
              orm::RecordSet copied = self.rs.copy(d);
              sp.release();
              return copied;
            });
          },
          py::arg("default") = py::none())
      .def(
          "read",
          [](const RecordsProxy& self, py::object fields) {
            std::vector<std::string> names;
            if (!fields.is_none())
              names = fields.cast<std::vector<std::string>>();
            Json rows;
            {
              py::gil_scoped_release release;
              rows = self.rs.read(names);
            }
            return from_json(rows);
          },
          py::arg("fields") = py::none())
      .def(
          "search_read",
          [](const RecordsProxy& self, py::object d, py::object fields, std::int64_t offset,
             py::object limit, py::object order) {
            orm::SearchOptions o;
            o.offset = offset;
            if (!limit.is_none())
              o.limit = limit.cast<std::int64_t>();
            if (!order.is_none())
              o.order = order.cast<std::string>();
            std::vector<std::string> names;
            if (!fields.is_none())
              names = fields.cast<std::vector<std::string>>();
            domain::Domain dom = domain_arg(self.rs.env(), d);
            Json rows;
            {
              py::gil_scoped_release release;
              rows = self.rs.search_read(dom, names, o);
            }
            return from_json(rows);
          },
          py::arg("domain") = py::none(), py::arg("fields") = py::none(), py::arg("offset") = 0,
          py::arg("limit") = py::none(), py::arg("order") = py::none())
      .def(
          "name_search",
          [](const RecordsProxy& self, std::string name, py::object d, std::string op,
             py::object limit) {
            domain::Domain dom = domain_arg(self.rs.env(), d);
            std::optional<std::int64_t> lim;
            if (!limit.is_none())
              lim = limit.cast<std::int64_t>();
            Json r;
            {
              py::gil_scoped_release release;
              r = self.rs.name_search(name, dom, op, lim);
            }
            return from_json(r);
          },
          py::arg("name") = "", py::arg("domain") = py::none(), py::arg("operator") = "ilike",
          py::arg("limit") = 100)
      .def("exists",
           [](const RecordsProxy& self) {
             return records_without_gil([&] { return self.rs.exists(); });
           })
      .def("ensure_one",
           [](const RecordsProxy& self) {
             single(self);
             return wrap(self.rs);
           })
      .def("mapped", &mapped)
      .def("filtered", &filtered)
      .def("filtered_domain",
           [](const RecordsProxy& self, py::object d) {
             domain::Domain dom = domain_arg(self.rs.env(), d);
             return records_without_gil([&] { return self.rs.filtered_domain(dom); });
           })
      .def("sorted", &sorted_records, py::arg("key") = py::none(), py::arg("reverse") = false)
      .def(
          "sudo",
          [](const RecordsProxy& self, bool flag) {
            if (flag && !self.rs.env().su())
              check_may_sudo(self.rs.env());
            return wrap(self.rs.sudo(flag));
          },
          py::arg("flag") = true)
      .def(
          "with_context",
          [](const RecordsProxy& self, py::object ctx, py::kwargs kwargs) {
            Json update = ctx.is_none() ? Json::object() : to_json(ctx);
            if (!update.is_object())
              throw common::ValueError("with_context() expects a dictionary");
            for (auto [k, v] : kwargs)
              update[k.cast<std::string>()] = to_json(v);
            // The server's own keys ("__action_done", "__webhook_payload", ...) are neither set
            // nor dropped by user code: its keys are removed, the current ones kept.
            update = orm::without_internal_keys(std::move(update));
            const orm::Env& current = self.rs.env();
            if (ctx.is_none())
              return wrap(self.rs.with_env(current.with_context_update(update)));
            for (const auto& [k, v] : current.context().items()) {
              if (orm::is_internal_context_key(k))
                update[k] = v;
            }
            return wrap(self.rs.with_env(current.with_context(std::move(update))));
          },
          py::arg("ctx") = py::none());

  py::class_<EnvProxy>(m, "Environment")
      .def("__getitem__",
           [](const EnvProxy& self, const std::string& model) { return wrap(self.env[model]); })
      .def("__contains__",
           [](const EnvProxy& self, const std::string& model) {
             return self.env.registry().contains(model);
           })
      .def(
          "ref",
          [](const EnvProxy& self, const std::string& xmlid,
             bool raise_if_not_found) -> py::object {
            try {
              return records_without_gil([&] { return self.env.ref(xmlid); });
            } catch (const common::ValueError&) {
              if (raise_if_not_found)
                throw;
              return py::none();
            }
          },
          py::arg("xml_id"), py::arg("raise_if_not_found") = true)
      .def_property_readonly("uid", [](const EnvProxy& self) { return self.env.uid(); })
      .def_property_readonly(
          "user",
          [](const EnvProxy& self) {
            // Read as superuser (anyone may see their own user), handed out
            // in this env: env.user.env is never more than env.
            return wrap(self.env.sudo()["res.users"].browse({self.env.uid()}).with_env(self.env));
          })
      .def_property_readonly(
          "context", [](const EnvProxy& self) { return context_to_python(self.env.context()); })
      .def_property_readonly("su", [](const EnvProxy& self) { return self.env.su(); })
      .def("__repr__", [](const EnvProxy& self) {
        return fmt::format("<Environment uid={}>", self.env.uid());
      });
}
