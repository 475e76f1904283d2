// Models and fields as records (ir.model, ir.model.fields, ir.model.fields.selection): the rows
// that describe every model and field, kept in sync with the built-in definitions at start-up,
// and the hooks that turn creating, changing and deleting those records into schema changes
// (tables, columns, the registry) inside the caller's transaction.
#pragma once

#include <optional>

#include "orm/env.h"
#include "orm/recordset.h"
#include "schema/registry.h"

namespace autorules::orm {

// Inserts or updates the ir.model / ir.model.fields rows (and their xml ids) of the built-in
// models so that they match `code`; removes rows of built-in fields that no longer exist.
void sync_builtin_rows(const Env& env, const schema::Registry& code);

// The registry of the database: the built-in models of `code` plus every model and field
// defined by rows (apps and run-time models).
schema::Registry load_registry(store::Connection& conn, const schema::Registry& code);

// Registers the hooks of ir.model, ir.model.fields and ir.model.fields.selection.
void register_ir_model_hooks(Runtime& runtime);

// Records xml id `module.name` for a record (idempotent).
void set_xmlid(const Env& env, const std::string& module, const std::string& name,
               const std::string& model, common::Id res_id, bool noupdate = false);

// The id of the ir.model row of `model`, or nullopt.
std::optional<common::Id> ir_model_id(const Env& env, const std::string& model);

// The record of xml id `module.name`, created in `model` from `vals` (as the superuser, the id
// marked noupdate) when the id does not exist yet: the data a subsystem sets up at start-up.
struct EnsuredRecord {
  RecordSet record;
  bool created = false;
};
EnsuredRecord ensure_xmlid_record(const Env& env, const std::string& module,
                                  const std::string& name, const std::string& model,
                                  const common::Json& vals);

}  // namespace autorules::orm
