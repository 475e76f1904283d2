// Models and fields as rows (ir.model, ir.model.fields, ir.model.fields.selection): the rows
// that describe every model and field, kept in sync with the built-in definitions at start-up,
// and the registry rebuilt from them (apps and run-time models). Thread-safety: each call works
// in the one transaction (or connection) it is given, like the rest of the ORM.
#pragma once

#include <optional>
#include <string>

#include "orm/env.h"
#include "schema/registry.h"
#include "store/connection.h"

namespace autorules::orm {

// Inserts or updates the ir.model / ir.model.fields rows (and their xml ids) of the built-in
// models so that they match `code`; removes rows of built-in fields that no longer exist.
void sync_builtin_rows(const Env& env, const schema::Registry& code);

// The registry of the database: the built-in models of `code` plus every model and field
// defined by rows (apps and run-time models).
schema::Registry load_registry(store::Connection& conn, const schema::Registry& code);

// The id of the ir.model row of `model`, or nullopt.
std::optional<common::Id> ir_model_id(const Env& env, const std::string& model);

}  // namespace autorules::orm
