// Server actions (ir.actions.server, docs/automation.md): what automation rules and manual runs
// do. One file per action type, all behind run(); types whose subsystem is not built yet are
// refused when saved, and fail with a clear "not available yet" UserError if run (an action saved
// before that check), never silently.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json.h"
#include "orm/recordset.h"
#include "orm/runtime.h"

namespace autorules::actions {

// What the actions use from outside: the language model of "Update with AI" (docs/ai.md).
struct Options {
  std::string ai_url;    // the OpenAI-compatible API's base: {ai_url}/chat/completions (--ai-url)
  std::string ai_key;    // its bearer key, if it needs one (--ai-key)
  std::string ai_model;  // the model's name (--ai-model)
  int ai_timeout_seconds = 120;  // one request (--ai-timeout); a slow answer is retried
};

// Registers ir.actions.server's behaviour: checks on save (code compiles, the action has what
// its type needs to run), the JSON-2 method ir.actions.server/run, and the handling of the
// language model's answers.
void install(orm::Runtime& runtime, const Options& options = {});

// Why `action` (one ir.actions.server record), as saved, could not run — its type is not built
// yet, a field its type reads is empty, a value does not suit its target field, a child of a
// multi action could not run either — or nullopt. Python code is checked when it is written,
// not here. Saving an action checks it; so does linking it to a rule.
std::optional<std::string> cannot_run(const orm::RecordSet& action);

// Runs `actions` in order (docs/automation.md, "Running an action") on the records named by the
// context's active_model / active_id(s); returns the last truthy result (a client action), or
// false. AccessError when the caller may not run one of them.
common::Json run(const orm::RecordSet& actions);

// Actions run by run() in `runtime` since it started, and those that raised, by type (state): one
// entry per type of ir.actions.server, in a fixed order, then "other" (for /metrics). An action
// of a multi action counts on its own too.
struct RunCount {
  std::string type;
  std::uint64_t runs = 0;
  std::uint64_t failures = 0;
};
std::vector<RunCount> run_counts(const orm::Runtime& runtime);

}  // namespace autorules::actions
