// ir.cron: scheduled jobs (Odoo's fields). A job runs either Python `code` (with `model`, like an
// Execute Code action) or `method`, a method registered on the model, called with no arguments;
// the jobs layer runs them (src/jobs/).
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

void add_cron_models(Registry& r) {
  Model cron("ir.cron", "Scheduled Actions");
  cron.set_order("priority, name, id");
  cron.add(char_field("name", "Name").required());
  cron.add(boolean_field("active", "Active").def(true));
  cron.add(many2one("model_id", "Model", "ir.model").required().ondelete(OnDelete::kCascade));
  cron.add(char_field("model_name", "Model Name").related("model_id.model"));
  cron.add(text_field("code", "Python Code").help("Run with `model`, `env`, `datetime`, ..."));
  cron.add(char_field("method", "Method")
               .help("Instead of code: a method of the model, called with no arguments"));
  cron.add(many2one("user_id", "Scheduler User", "res.users")
               .required()
               .def(DefaultKind::kUid)
               .ondelete(OnDelete::kRestrict));
  cron.add(integer_field("interval_number", "Interval Number").required().def(1));
  cron.add(selection_field("interval_type", "Interval Unit",
                           {{"minutes", "Minutes"},
                            {"hours", "Hours"},
                            {"days", "Days"},
                            {"weeks", "Weeks"},
                            {"months", "Months"}})
               .required()
               .def("months"));
  cron.add(
      datetime_field("nextcall", "Next Execution Date").required().def(DefaultKind::kNow).index());
  cron.add(datetime_field("lastcall", "Last Execution Date").readonly());
  cron.add(integer_field("priority", "Priority").def(5));
  r.put(std::move(cron));
}

}  // namespace autorules::schema::builtin
