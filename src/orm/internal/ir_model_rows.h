// Reading and writing single ir.model.fields rows, for the hooks that turn changes of those
// records into schema changes (ir_model_hooks.cc). Thread-safety: each call works in the
// transaction of the Env (or the connection) it is given.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/value.h"
#include "orm/env.h"
#include "schema/model.h"
#include "store/connection.h"

namespace autorules::orm {

// Rows of ir_model_fields (with ids) for one model, or all when `model` is empty: the columns
// name, model, field_description, ... in the order ir_model_rows.cc reads and writes them.
std::vector<std::pair<common::Id, std::vector<common::Value>>> read_field_rows(
    store::Connection& conn, const std::string& model);

// The field definition of one ir.model.fields row, with its selection options.
schema::Field read_field_def(const Env& env, common::Id field_id);

// Inserts the row of `f` of `model` (with its xml id, in `module`) or, when `existing` is given,
// updates that row; then makes the selection options match. Returns the row's id.
common::Id upsert_field_row(const Env& env, common::Id model_id, const schema::Model& model,
                            const schema::Field& f, const std::string& module,
                            std::optional<common::Id> existing);

}  // namespace autorules::orm
