// "Update with AI" (docs/ai.md): Update Record's AI value type. The rule's transaction queues,
// per record, an ai.update row and a chat-completions request in the outbox (kind "ai") asking an
// OpenAI-compatible model for the field's new value as JSON constrained by a JSON schema built
// from the field's type and its allowed values; the outbox's outcome handler validates the answer
// and writes it in the transaction that records it, as the rule's user, when the record still
// exists. No model call ever runs while a transaction is open.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "actions/internal/types.h"
#include "common/json.h"
#include "orm/runtime.h"
#include "schema/field.h"

namespace autorules::actions::internal {

// The language model (--ai-url, --ai-key, --ai-model, --ai-timeout): url is the API's base
// ("https://api.openai.com/v1", "http://127.0.0.1:11434/v1"); requests go to
// {url}/chat/completions.
struct AiSettings {
  std::string url, key, model;
  std::chrono::seconds timeout{120};
};
void set_ai_settings(orm::Runtime& runtime, AiSettings settings);
const AiSettings& ai_settings(const orm::Runtime& runtime);

// Why an Update with AI action cannot run: no model configured, no prompt, a field type it cannot
// fill; nullopt when it can.
std::optional<std::string> ai_update_problem(const orm::Runtime& runtime,
                                             const std::string& action_name,
                                             const std::string& prompt,
                                             const schema::Field& target);

// Queues one request per target record (Update Record's runner, evaluation_type "ai").
void queue_ai_updates(const Run& run, const orm::RecordSet& targets, const schema::Field& target);

// The JSON schema of the answer for `target` ({"value": ...}), with the allowed values of a
// selection or many2one (`allowed`: their keys or ids), and whether `value` is a valid answer
// (its type, and one of the allowed values). For tests and the handler.
common::Json ai_answer_schema(const schema::Field& target, const common::Json& allowed);
std::optional<std::string> ai_value_problem(const schema::Field& target,
                                            const common::Json& allowed, const common::Json& value);

// The model's answer's {"value": ...} from a chat completion's body: choices[0].message.content
// parsed as JSON; an error saying why when it is not there (a refusal, not JSON, no value).
struct AiAnswer {
  std::optional<common::Json> value;
  std::string error;
};
AiAnswer ai_answer(std::string_view completion);

// Registers the outbox's "ai" outcome handler.
void follow_ai_updates(orm::Runtime& runtime);

}  // namespace autorules::actions::internal
