// Record proxies: how user code sees the ORM. `env`, recordsets and their fields are thin
// Python objects over orm::Env / orm::RecordSet; every read and write goes through the ORM
// (access rights, validation, observers: writes fire rules), with the GIL released while the
// ORM works. Internal to script/.
//
// User code never gains superuser rights it did not start with: sudo() needs a superuser
// evaluation or an administrator, env.user and every record reached from a record (relations,
// sorted, mapped, ...) keep the env they came from, and with_context() neither sets nor drops
// the server's own "__" context keys.
//
// Thread-safety: GIL held, except inside the ORM calls, which release it.
#pragma once

#include <cstddef>
#include <unordered_map>

#include <pybind11/pybind11.h>

#include "common/json.h"
#include "orm/recordset.h"

namespace autorules::script::internal {

namespace py = pybind11;

struct RecordsProxy {
  orm::RecordSet rs;
};
struct EnvProxy {
  orm::Env env;
};

py::object wrap(const orm::RecordSet& records);
py::object wrap_env(const orm::Env& env);
bool is_records(py::handle value);
const orm::RecordSet& records_of(py::handle value);

// How deep a value converted between Python and JSON may nest (lists, tuples, sets and dicts):
// the conversions recurse, and user data must not overflow the C++ stack.
inline constexpr int kMaxDepth = 256;
// The largest JSON one conversion from Python may make (texts' bytes, 16 bytes per other value):
// a list holding one big text a thousand times is small in Python and huge as JSON.
inline constexpr std::size_t kMaxJsonBytes = 64u << 20;

// Python value → JSON in Odoo's conventions (records as ids, dates as text). ValueError for a
// value that has no JSON form, that contains itself (a cycle), that nests deeper than kMaxDepth
// or whose JSON would be larger than kMaxJsonBytes.
common::Json to_json(py::handle value);
common::Json values_to_json(const schema::Model& model, py::handle vals);
// JSON → Python; ValueError for a value nested deeper than kMaxDepth.
py::object from_json(const common::Json& json);

// Whether the evaluation running on this thread runs as superuser (a rule's action, a computed
// field): there, and for administrators, records' sudo() is allowed; elsewhere it is an
// AccessError. Set by the sandbox around each evaluation (thread-local; nested ones stack).
bool& evaluation_is_superuser();

// While a Python compute runs, assignments to the computed field are collected here instead
// of being written (thread-local; nested computes stack).
struct ComputeFrame {
  std::string model;
  std::string field;
  std::unordered_map<common::Id, common::Json> values;
  ComputeFrame* outer = nullptr;
};
ComputeFrame*& current_compute();

// Makes sure the proxies' module is imported (types registered). GIL held.
void import_proxies();

}  // namespace autorules::script::internal
