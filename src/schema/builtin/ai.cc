// "Update with AI" (src/actions/internal/ai_update.h, docs/ai.md): the action's allowed values,
// and one ai.update per record whose field a language model is asked to fill.
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

void add_ai_models(Registry& r) {
  Model action = r.get("ir.actions.server");
  action.add(char_field("ai_domain", "Allowed Values")
                 .help("With Update with AI on a many2one field: a domain on the field's model "
                       "that narrows the records offered to the model (at most 200)"));
  r.put(std::move(action));

  Model update("ai.update", "AI Field Update");
  update.set_order("id desc");
  update.add(
      many2one("action_id", "Action", "ir.actions.server").index().ondelete(OnDelete::kSetNull));
  update.add(char_field("model", "Model").required());
  update.add(integer_field("res_id", "Record").required());
  update.add(char_field("field_name", "Field").required());
  update.add(many2one("user_id", "Run As", "res.users").ondelete(OnDelete::kSetNull));
  update.add(selection_field("state", "State",
                             {{"queued", "Waiting for the model"},
                              {"done", "Written"},
                              {"refused", "Answer refused"},
                              {"skipped", "Record deleted"},
                              {"failed", "Failed"}})
                 .required()
                 .readonly()
                 .index()
                 .def("queued"));
  update.add(text_field("prompt", "Prompt").readonly());
  update.add(text_field("allowed", "Allowed Values").readonly().help("JSON: [[key, label], ...]"));
  update.add(text_field("answer", "Model's Answer").readonly());
  update.add(text_field("value", "Value Written").readonly().help("JSON"));
  update.add(text_field("error", "Why Nothing Was Written").readonly());
  r.put(std::move(update));
}

}  // namespace autorules::schema::builtin
