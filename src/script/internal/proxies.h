// Record proxies: how user code sees the ORM. `env`, recordsets and their fields are thin
// Python objects over orm::Env / orm::RecordSet; every read and write goes through the ORM
// (access rights, validation, observers: writes fire rules), with the GIL released while the
// ORM works. Internal to script/.
#pragma once

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

// Python value → JSON in Odoo's conventions (records as ids, dates as text). ValueError for a
// value that has no JSON form.
common::Json to_json(py::handle value);
common::Json values_to_json(const schema::Model& model, py::handle vals);
py::object from_json(const common::Json& json);

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
