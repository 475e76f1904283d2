#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "actions/actions.h"
#include "actions/internal/ai_update.h"
#include "actions/internal/rows.h"
#include "actions/internal/types.h"
#include "common/errors.h"
#include "common/text.h"
#include "orm/base/users.h"
#include "orm/methods.h"
#include "outbox/target.h"
#include "script/sandbox.h"

namespace autorules::actions {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;

namespace internal {

common::Value field(const Run& run, const char* name) {
  if (run.values) {
    auto it = run.values->find(name);
    if (it != run.values->end())
      return it->second;
  }
  return run.action.get(name);  // not a column (x2many)
}

std::string text(const Run& run, const char* name) {
  common::Value v = field(run, name);
  return v.is_string() ? v.as_string() : std::string();
}

}  // namespace internal

namespace {

using internal::Run;
using internal::Type;
using internal::TypeInfo;

// The types of ir.actions.server's `state`, in the order of run_counts() and of Type, then
// "other" (any other text).
constexpr std::array<TypeInfo, 13> kTypes = {{
    {Type::kObjectWrite, "object_write", internal::run_object_write, false},
    {Type::kObjectCreate, "object_create", internal::run_object_create, false},
    {Type::kObjectCopy, "object_copy", internal::run_object_copy, false},
    {Type::kCode, "code", internal::run_code, true},
    {Type::kWebhook, "webhook", internal::run_webhook, false},
    {Type::kMulti, "multi", internal::run_multi, true},
    {Type::kMailPost, "mail_post", internal::run_mail_post, true},
    {Type::kFollowers, "followers", internal::run_followers, true},
    {Type::kRemoveFollowers, "remove_followers", internal::run_remove_followers, true},
    {Type::kNextActivity, "next_activity", internal::run_next_activity, true},
    {Type::kSms, "sms", internal::run_sms, true},
    {Type::kWhatsapp, "whatsapp", internal::run_whatsapp, true},
    {Type::kOther, "other", nullptr, false},
}};

constexpr bool rows_in_type_order() {
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    if (static_cast<std::size_t>(kTypes[i].type) != i)
      return false;
  }
  return kTypes.back().type == Type::kOther;
}
static_assert(rows_in_type_order(), "kTypes[i].type == Type(i), kOther last");

struct Counter {
  std::atomic<std::uint64_t> runs{0};
  std::atomic<std::uint64_t> failures{0};
};

// A runtime's counters, one per type (Runtime::component): two runtimes count apart.
struct Counters {
  std::array<Counter, kTypes.size()> of_type;
};

Counter& counter_of(const orm::Runtime& runtime, Type type) {
  return runtime.component<Counters>().of_type[static_cast<std::size_t>(type)];
}

// `state` is the action's own text, for the message of a type this build does not run.
Json run_one(const Run& run, const TypeInfo& type, const std::string& state) {
  if (type.available())
    return type.runner(run);
  // Refused at save since; an action saved before still says why at each run.
  throw common::UserError(
      internal::type_not_available(run.action, state, internal::text(run, "name")));
}

// The allowed groups are checked against the user even when rules run the action in superuser
// mode; the write access on the model only outside superuser mode.
void check_can_run(const orm::RecordSet& action, const orm::Env& caller, const std::string& model) {
  if (caller.uid() == orm::kSuperuserId)
    return;
  common::Value groups = action.sudo().get("group_ids");
  if (groups.is_ids() && !groups.as_ids().empty()) {
    Json xmlids = Json::array();
    for (Id gid : groups.as_ids()) {
      Value p[] = {Value("res.groups"), Value(gid)};
      caller.cr().query(
          "SELECT \"module\", \"name\" FROM \"ir_model_data\" WHERE \"model\" = ? AND \"res_id\" = "
          "?",
          p, [&](const store::RowView& r) {
            xmlids.push_back(fmt::format("{}.{}", r.text(0), r.text(1)));
          });
    }
    for (const Json& x : xmlids) {
      if (caller.has_group(x.get<std::string>()))
        return;
    }
    throw common::AccessError("You don't have enough access rights to run this action.");
  }
  if (!caller.su())
    caller[model].check_access(orm::RecordSet::Operation::kWrite);
}

}  // namespace

namespace internal {

const TypeInfo& type_of(std::string_view state) {
  // "other" is not a type of its own: the last row stands for any text that is no type.
  for (std::size_t i = 0; i + 1 < kTypes.size(); ++i) {
    if (kTypes[i].state == state)
      return kTypes[i];
  }
  return kTypes.back();
}

}  // namespace internal

Json run(const orm::RecordSet& actions) {
  const orm::Env& caller = actions.env();
  Json result = false;
  for (Id id : actions.ids()) {
    orm::RecordSet action = actions.sudo().browse({id});
    auto values = internal::action_row(action);
    // The caller's rights: an automation rule calls with a superuser env (its actions bypass
    // access rights, uid and user staying the user who triggered it); a user running an action
    // by hand runs it with their own rights, as Odoo does.
    Run base{.action = action, .values = values, .env = caller};
    const std::string state = internal::text(base, "state");
    const TypeInfo& type = internal::type_of(state);
    std::string model = internal::text(base, "model_name");
    check_can_run(action, caller, model);
    // active_model / active_id(s) name the records.
    const Json& ctx = caller.context();
    IdList records;
    if (ctx.value("active_model", "") == model) {
      if (auto it = ctx.find("active_ids"); it != ctx.end() && it->is_array()) {
        for (const Json& j : *it) {
          if (j.is_number_integer())
            records.push_back(j.get<Id>());
        }
      } else if (auto a = ctx.find("active_id"); a != ctx.end() && a->is_number_integer()) {
        records.push_back(a->get<Id>());
      }
    }
    base.model = model;
    base.records = records;
    Counter& counter = counter_of(caller.runtime(), type.type);
    ++counter.runs;
    Json one = nullptr;
    try {
      if (type.once_per_batch || records.empty()) {
        one = run_one(base, type, state);
      } else {
        for (Id rid : records) {
          Run per = base;
          per.records = {rid};
          per.env = caller.with_context_update(
              Json{{"active_id", rid}, {"active_ids", Json::array({rid})}});
          Json r = run_one(per, type, state);
          if (!r.is_null() && !(r.is_boolean() && !r.get<bool>()))
            one = r;
        }
      }
    } catch (...) {
      ++counter.failures;
      throw;
    }
    if (!one.is_null() && !(one.is_boolean() && !one.get<bool>()))
      result = one;
  }
  return result;
}

std::vector<RunCount> run_counts(const orm::Runtime& runtime) {
  const Counters& counters = runtime.component<Counters>();
  std::vector<RunCount> out;
  out.reserve(kTypes.size());
  for (std::size_t i = 0; i < kTypes.size(); ++i) {
    out.push_back(RunCount{std::string(kTypes[i].state), counters.of_type[i].runs.load(),
                           counters.of_type[i].failures.load()});
  }
  return out;
}

namespace {

// The sample payload a webhook action shows: the first record's real values, or
// values by field type when the model has no record yet.
Json sample_value(const schema::Field& f) {
  using T = schema::FieldType;
  switch (f.type) {
    case T::kInteger:
      return 42;
    case T::kFloat:
    case T::kMonetary:
      return 42.42;
    case T::kHtml:
      return "<p>Hello World</p>";
    case T::kBoolean:
      return true;
    case T::kSelection:
      return "option1";
    case T::kDate:
      return "2020-01-01";
    case T::kDatetime:
      return "2020-01-01 00:00:00";
    case T::kBinary:
      return "<base64_data>";
    case T::kMany2one:
      return 47;
    case T::kMany2many:
    case T::kOne2many:
      return Json::array({42, 47});
    case T::kChar:
    case T::kText:
      return "Hello World";
  }
  return "Hello World";
}

void update_samples(const orm::RecordSet& records) {
  for (Id id : records.ids()) {
    orm::RecordSet action = records.sudo().browse({id});
    Value state = action.get("state");
    if (internal::type_of(state.is_string() ? state.as_string() : "").type != Type::kWebhook)
      continue;
    Value model_name = action.get("model_name");
    const schema::Model* model =
        model_name.is_string() ? records.env().registry().find(model_name.as_string()) : nullptr;
    if (!model)
      continue;
    orm::Env su = records.env().sudo();
    Run run{.action = action,
            .values = internal::action_row(action),
            .env = su,
            .model = model->name()};
    orm::RecordSet first =
        su[model->name()].search(domain::Domain(), orm::SearchOptions{.limit = 1, .order = "id"});
    Json sample;
    if (!first.empty()) {
      sample = internal::webhook_payload(run, first);
    } else {
      sample = Json::object();
      Value fields = action.get("webhook_field_ids");
      for (Id fid : fields.is_ids() ? fields.as_ids() : common::IdList{}) {
        Value name = su["ir.model.fields"].browse({fid}).get("name");
        const schema::Field* f = name.is_string() ? model->field(name.as_string()) : nullptr;
        if (f)
          sample[f->name] = sample_value(*f);
      }
      sample["_id"] = 1;
      sample["_model"] = model->name();
      sample["_action"] = fmt::format("{}(#{})", internal::text(run, "name"), id);
    }
    std::string text = sample.dump(4, ' ', false, Json::error_handler_t::replace);
    Value current = action.get("webhook_sample_payload");
    if (!current.is_string() || current.as_string() != text)
      action.write(Json{{"webhook_sample_payload", text}});
  }
}

class ServerActionHooks final : public orm::ModelHooks {
 public:
  void before_create(const orm::Env& env, const std::string&, Json& vals) override {
    check(env, vals);
  }
  void before_write(const orm::RecordSet& records, Json& vals) override {
    check(records.env(), vals);
    if (vals.contains("child_ids") || vals.contains("parent_id"))
      check_recursion(records, vals);
  }
  void after_write(const orm::RecordSet& records, const Json& vals) override {
    records.env().bump_generation(internal::kActionsGeneration);
    if (vals.size() == 1 && vals.contains("webhook_sample_payload"))
      return;  // the sample itself
    check_cycles(records);
    if (touches_what_runs(vals))
      check_runnable(records);
    update_samples(records);
  }
  void after_create(const orm::RecordSet& records, const Json&) override {
    records.env().bump_generation(internal::kActionsGeneration);
    check_cycles(records);
    check_runnable(records);
    update_samples(records);
  }
  void after_unlink(const orm::Env& env, const std::string&, const common::IdList&) override {
    env.bump_generation(internal::kActionsGeneration);
  }

 private:
  // Code that does not compile or that the sandbox refuses cannot be saved (Odoo's message);
  // checked here, before the write, and only when written (compiling long code is not cheap).
  static void check(const orm::Env& env, const Json& vals) {
    auto code = vals.find("code");
    if (code != vals.end() && code->is_string()) {
      if (auto error = script::check(code->get<std::string>(), script::Mode::kExec)) {
        throw common::ValidationError(*error);
      }
    }
    if (auto url = vals.find("webhook_url"); url != vals.end() && url->is_string()) {
      const std::string& u = url->get_ref<const std::string&>();
      // Empty: no URL (refused for a webhook action by check_runnable). Otherwise an absolute
      // http(s) URL whose literal address, if any, the outbox would call.
      if (!u.empty()) {
        if (auto error = outbox::check_target_url(u, outbox::target_policy(env)))
          throw common::ValidationError(*error);
      }
    }
    // A Compute expression is checked with the rest of the action, after the write
    // (check_runnable): it may be written before or after its evaluation type.
  }
  // Linking an action under itself or one of its descendants, or above one of its ancestors,
  // is refused with Odoo's message before the ORM sees the write.
  static void check_recursion(const orm::RecordSet& records, const Json& vals) {
    orm::RecordSet all = records.sudo();
    auto ancestors = [&](Id id) {
      std::set<Id> out{id};
      for (Value parent = all.browse({id}).get("parent_id"); parent.is_int();
           parent = all.browse({parent.as_int()}).get("parent_id")) {
        if (!out.insert(parent.as_int()).second)
          break;
      }
      return out;
    };
    IdList linked;
    if (auto c = vals.find("child_ids"); c != vals.end() && c->is_array()) {
      for (const Json& cmd : *c) {
        if (cmd.is_number_integer())
          linked.push_back(cmd.get<Id>());
        if (!cmd.is_array() || cmd.empty() || !cmd[0].is_number_integer())
          continue;
        int code = cmd[0].get<int>();
        if (code == 4 && cmd.size() > 1 && cmd[1].is_number_integer())
          linked.push_back(cmd[1].get<Id>());
        if (code == 6 && cmd.size() > 2 && cmd[2].is_array()) {
          for (const Json& j : cmd[2]) {
            if (j.is_number_integer())
              linked.push_back(j.get<Id>());
          }
        }
      }
    }
    for (Id id : all.ids()) {
      std::set<Id> up = ancestors(id);
      for (Id child : linked) {
        if (up.count(child))
          throw common::ValidationError("Recursion found in child server actions");
      }
      if (auto p = vals.find("parent_id"); p != vals.end() && p->is_number_integer()) {
        if (ancestors(p->get<Id>()).count(id)) {
          throw common::ValidationError("Recursion found in child server actions");
        }
      }
    }
  }
  // The fields cannot_run() reads: writing one of them (or linking the action to a rule or under
  // a multi action) checks the action again, as Odoo's constraints run when their fields are
  // written. Renaming an action saved before these checks, or unlinking it, stays possible.
  static bool touches_what_runs(const Json& vals) {
    static const char* const kFields[] = {
        "state", "model_id", "update_path", "update_field_id", "evaluation_type", "value",
        "sequence_id", "resource_ref", "selection_value", "update_m2m_operation", "crud_model_id",
        "link_field_id", "webhook_url", "webhook_field_ids", "child_ids",
        // the messaging actions (actions/internal/check.cc)
        "template_id", "mail_post_method", "followers_type", "followers_partner_field_name",
        "partner_ids", "activity_type_id", "activity_date_deadline_range",
        "activity_date_deadline_range_type", "activity_user_type", "activity_user_id",
        "activity_user_field_name"};
    for (const char* f : kFields) {
      if (vals.contains(f))
        return true;
    }
    for (const char* link : {"base_automation_id", "parent_id"}) {
      auto it = vals.find(link);
      if (it != vals.end() && !it->is_null() && !(it->is_boolean() && !it->get<bool>()))
        return true;
    }
    return false;
  }
  // An action that could not run is not saved (ValidationError, the call changes nothing), nor
  // is a change that leaves a multi action above it with a child that could not run.
  static void check_runnable(const orm::RecordSet& records) {
    orm::RecordSet all = records.sudo();
    std::set<Id> parents;
    for (Id id : all.ids()) {
      orm::RecordSet action = all.browse({id});
      if (auto why = cannot_run(action))
        throw common::ValidationError(*why);
      Value parent = action.get("parent_id");
      if (parent.is_int())
        parents.insert(parent.as_int());
    }
    std::set<Id> seen;
    while (!parents.empty()) {
      Id id = *parents.begin();
      parents.erase(parents.begin());
      if (!seen.insert(id).second)
        continue;
      orm::RecordSet parent = all.browse({id});
      if (auto why = cannot_run(parent))
        throw common::ValidationError(*why);
      Value up = parent.get("parent_id");
      if (up.is_int())
        parents.insert(up.as_int());
    }
  }

  // A multi action may not contain itself, directly or not.
  static void check_cycles(const orm::RecordSet& records) {
    orm::RecordSet all = records.sudo();
    for (Id id : all.ids()) {
      std::set<Id> seen{id};
      IdList todo{id};
      while (!todo.empty()) {
        Id cur = todo.back();
        todo.pop_back();
        Value children = all.browse({cur}).get("child_ids");
        for (Id child : children.as_ids()) {
          if (child == id)
            throw common::ValidationError("Recursion found in child server actions");
          if (seen.insert(child).second)
            todo.push_back(child);
        }
      }
    }
  }
};

}  // namespace

void install(orm::Runtime& runtime, const Options& options) {
  internal::set_ai_settings(
      runtime, internal::AiSettings{.url = options.ai_url,
                                    .key = options.ai_key,
                                    .model = options.ai_model,
                                    .timeout = std::chrono::seconds(
                                        std::clamp(options.ai_timeout_seconds, 1, 600))});
  internal::follow_ai_updates(runtime);
  runtime.set_access("ai.update", orm::ModelAccess::kAdminOnly);
  runtime.add_hooks("ir.actions.server", std::make_shared<ServerActionHooks>());
  runtime.add_native_compute("ir.actions.server", "warning", [](const orm::RecordSet& records) {
    std::vector<Value> out;
    orm::RecordSet all = records.sudo();
    for (Id id : all.ids()) {
      auto why = cannot_run(all.browse({id}));
      out.push_back(why ? Value(*why) : Value());
    }
    return out;
  });
  runtime.add_method("ir.actions.server", "run",
                     orm::Method{.fn = [](const orm::RecordSet& rs, const Json&) {
                       rs.ensure_exist();
                       return run(rs);
                     }});
  // The signing secret is never read back: a new one is made here and shown once, in the answer
  // (whoever sets their own writes `webhook_secret` instead). Administrators only, as writing the
  // field is.
  runtime.add_method(
      "ir.actions.server", "action_generate_webhook_secret",
      orm::Method{.fn = [](const orm::RecordSet& rs, const Json&) {
        rs.ensure_exist();
        if (rs.size() != 1)
          throw common::UserError("Generate a signing secret for one action at a time");
        std::string secret = common::random_webhook_secret();
        rs.write(Json{{"webhook_secret", secret}});
        return Json(secret);
      }});
}

}  // namespace autorules::actions
