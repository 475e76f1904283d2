// The column values of server actions, read from the database once per ("actions", "schema")
// generation pair and shared by every run until an action or the schema changes. Running an
// action is the hot path of a rule; its row (some sixty columns) was read for each run.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "common/value.h"
#include "orm/recordset.h"

namespace autorules::actions::internal {

using ActionRow = std::unordered_map<std::string, common::Value>;

// The name of the generation every change of an ir.actions.server row moves.
inline constexpr const char* kActionsGeneration = "actions";

// `action`'s column values (one record): shared with other runs while the generations its
// transaction sees are the cached ones, read afresh when the transaction changed an action or the
// schema itself (what it sees is then its own).
std::shared_ptr<const ActionRow> action_row(const orm::RecordSet& action);

}  // namespace autorules::actions::internal
