#include "mail/activity.h"

#include <fmt/format.h>

#include "common/errors.h"
#include "common/text.h"
#include "mail/internal/values.h"
#include "mail/thread.h"
#include "orm/env.h"
#include "orm/methods.h"
#include "orm/model_hooks.h"

namespace autorules::mail {

using common::Date;
using common::Id;
using common::IdList;
using common::Json;
using common::Value;
using internal::id_of;
using internal::text_of;

namespace {

std::string user_tz(const orm::Env& env, Id user_id) {
  if (!user_id)
    return "";
  orm::RecordSet user = env.sudo()["res.users"].browse({user_id}).exists();
  return user.empty() ? "" : text_of(user.get("tz"));
}

// The time zone of the one acting: the context's tz, else the current user's.
std::string context_tz(const orm::Env& env) {
  auto it = env.context().find("tz");
  if (it != env.context().end() && it->is_string() && !it->get<std::string>().empty())
    return it->get<std::string>();
  return user_tz(env, env.uid());
}

// The record an activity is on, checked: an existing record of a mail thread.
orm::RecordSet target_of(const orm::Env& env, const std::string& model, Id res_id) {
  const schema::Model* m = env.registry().find(model);
  if (!m)
    throw common::ValueError(fmt::format("Activities: unknown model '{}'", model));
  if (!is_thread(*m))
    throw common::ValueError(fmt::format(
        "The model '{}' is not a mail thread: its records cannot have activities", model));
  orm::RecordSet record = env.sudo()[model].browse({res_id}).exists();
  if (record.empty())
    throw common::ValueError(fmt::format("Activities: no record {} of '{}'", res_id, model));
  return record;
}

Id type_of(const orm::Env& env, const ActivityValues& v) {
  orm::Env su = env.sudo();
  if (!v.act_type_xmlid.empty()) {
    std::optional<orm::RecordSet> found = su.find_ref(v.act_type_xmlid);
    if (!found || found->name() != "mail.activity.type")
      throw common::ValueError(fmt::format("Unknown activity type '{}'", v.act_type_xmlid));
    return found->id();
  }
  if (v.activity_type_id) {
    if (su["mail.activity.type"].browse({v.activity_type_id}).exists().empty())
      throw common::ValueError(fmt::format("Unknown activity type {}", v.activity_type_id));
    return v.activity_type_id;
  }
  std::optional<orm::RecordSet> todo = su.find_ref("mail.mail_activity_data_todo");
  return todo ? todo->id() : 0;
}

// What creating an activity checks, fills in and does.
class ActivityHooks : public orm::ModelHooks {
 public:
  void before_create(const orm::Env& env, const std::string&, Json& vals) override {
    std::string model = vals.value("res_model", std::string());
    Id res_id = vals.contains("res_id") && vals["res_id"].is_number_integer()
                    ? vals["res_id"].get<Id>()
                    : 0;
    if (model.empty() || res_id <= 0)
      throw common::ValidationError("An activity needs the record it is on: res_model and res_id.");
    orm::RecordSet record = target_of(env, model, res_id);
    orm::RecordSet ir_model = env.sudo()["ir.model"].search(
        domain::Domain::term("model", domain::Op::kEq, model), orm::SearchOptions{.limit = 1});
    if (!ir_model.empty())
      vals["res_model_id"] = ir_model.id();
    vals["res_name"] = record.display_names().front();
  }

  void after_create(const orm::RecordSet& activities, const Json&) override {
    const orm::Env& env = activities.env();
    orm::Env su = env.sudo();
    for (const Json& a :
         su["mail.activity"]
             .browse(activities.ids())
             .read({"res_model", "res_id", "user_id", "summary", "activity_type_id", "res_name"})) {
      Id user = a["user_id"].is_array() ? a["user_id"][0].get<Id>() : 0;
      if (!user)
        continue;
      Id partner = id_of(su["res.users"].browse({user}).get("partner_id"));
      if (!partner)
        continue;
      orm::RecordSet record = su[a["res_model"].get<std::string>()].browse({a["res_id"].get<Id>()});
      message_subscribe(record, {partner});
      if (user == env.uid())
        continue;
      std::string what =
          a["summary"].is_string() && !a["summary"].get<std::string>().empty()
              ? a["summary"].get<std::string>()
              : (a["activity_type_id"].is_array() ? a["activity_type_id"][1].get<std::string>()
                                                  : std::string("Activity"));
      std::string name = a["res_name"].is_string() ? a["res_name"].get<std::string>() : "";
      message_notify(
          record, {partner}, fmt::format("{}: {} assigned to you", name, what),
          fmt::format("<p>You have been assigned to the {} <b>{}</b> on {}.</p>",
                      common::html_escape(a["activity_type_id"].is_array()
                                              ? a["activity_type_id"][1].get<std::string>()
                                              : "activity"),
                      common::html_escape(what), common::html_escape(name)));
    }
  }
};

// mail.activity's state: done when archived, else overdue / today / planned against today in
// the assigned user's time zone.
std::vector<Value> compute_state(const orm::RecordSet& activities) {
  const orm::Env su = activities.env().sudo().with_context_update(Json{{"active_test", false}});
  std::unordered_map<Id, std::string> tz_of;
  std::vector<Value> out;
  out.reserve(activities.size());
  Json rows =
      su["mail.activity"].browse(activities.ids()).read({"active", "date_deadline", "user_id"});
  std::unordered_map<Id, const Json*> by_id;
  for (const Json& r : rows)
    by_id[r["id"].get<Id>()] = &r;
  for (Id id : activities.ids()) {
    auto it = by_id.find(id);
    if (it == by_id.end()) {
      out.emplace_back();
      continue;
    }
    const Json& r = *it->second;
    if (!r["active"].is_boolean() || !r["active"].get<bool>()) {
      out.emplace_back("done");
      continue;
    }
    std::optional<Date> deadline = r["date_deadline"].is_string()
                                       ? common::parse_date(r["date_deadline"].get<std::string>())
                                       : std::nullopt;
    if (!deadline) {
      out.emplace_back();
      continue;
    }
    Id user = r["user_id"].is_array() ? r["user_id"][0].get<Id>() : 0;
    auto tz = tz_of.find(user);
    if (tz == tz_of.end())
      tz = tz_of.emplace(user, user_tz(su, user)).first;
    Date today = common::local_date(su.now(), tz->second).value_or(common::date_of(su.now()));
    out.emplace_back(*deadline < today ? "overdue" : *deadline == today ? "today" : "planned");
  }
  return out;
}

std::optional<Date> param_date(const Json& p, const char* name) {
  std::string text = orm::param_string(p, name);
  if (text.empty())
    return std::nullopt;
  std::optional<Date> d = common::parse_date(text);
  if (!d)
    throw common::UnprocessableError(fmt::format("'{}' must be a date (YYYY-MM-DD)", name));
  return d;
}

}  // namespace

Date context_today(const orm::Env& env) {
  return common::local_date(env.now(), context_tz(env)).value_or(common::date_of(env.now()));
}

Date type_deadline(const orm::Env& env, Id type_id, const std::string& tz) {
  Date today = common::local_date(env.now(), tz).value_or(common::date_of(env.now()));
  orm::RecordSet type = env.sudo()["mail.activity.type"].browse({type_id}).exists();
  if (type.empty())
    return today;
  std::int64_t count = type.get("delay_count").is_int() ? type.get("delay_count").as_int() : 0;
  std::string unit = text_of(type.get("delay_unit"));
  if (unit == "weeks")
    return common::add_days(today, count * 7);
  if (unit == "months")
    return common::add_months(today, count);
  return common::add_days(today, count);
}

IdList activity_schedule(const orm::RecordSet& records, const ActivityValues& values) {
  const orm::Env& env = records.env();
  if (env.context().value("mail_activity_automation_skip", false) || records.empty())
    return {};
  if (!is_thread(records.model()))
    throw common::ValueError(fmt::format(
        "The model '{}' is not a mail thread: its records cannot have activities", records.name()));
  Id type = type_of(env, values);
  std::unordered_map<std::string, Value> t;
  if (type)
    t = env.sudo()["mail.activity.type"].browse({type}).row();
  auto type_text = [&](const char* f) {
    auto it = t.find(f);
    return it == t.end() ? std::string() : text_of(it->second);
  };
  Id user = values.user_id;
  if (!user && t.count("default_user_id"))
    user = id_of(t["default_user_id"]);
  if (!user)
    user = env.uid();
  Date deadline = values.date_deadline ? *values.date_deadline : context_today(env);
  Json vals_list = Json::array();
  for (Id res_id : records.ids()) {
    Json v{{"res_model", records.name()},
           {"res_id", res_id},
           {"summary", values.summary.empty() ? type_text("summary") : values.summary},
           {"note", values.note.empty() ? type_text("default_note") : values.note},
           {"user_id", user},
           {"date_deadline", common::format_date(deadline)},
           {"automated", true}};
    if (type)
      v["activity_type_id"] = type;
    vals_list.push_back(std::move(v));
  }
  return env["mail.activity"].create(vals_list).ids();
}

Id action_feedback(const orm::RecordSet& activities, const std::string& feedback) {
  const orm::Env& env = activities.env();
  activities.check_access(orm::RecordSet::Operation::kWrite);
  orm::Env su = env.sudo();
  Id first = 0;
  Date done_on = context_today(env);
  for (const Json& a : su["mail.activity"]
                           .browse(activities.ids())
                           .read({"res_model", "res_id", "activity_type_id", "summary", "note",
                                  "user_id", "active", "date_deadline"})) {
    if (!a["active"].is_boolean() || !a["active"].get<bool>())
      continue;
    Id activity_id = a["id"].get<Id>();
    std::string model = a["res_model"].get<std::string>();
    const schema::Model* m = su.registry().find(model);
    if (!m || !is_thread(*m) || su[model].browse({a["res_id"].get<Id>()}).exists().empty()) {
      su["mail.activity"].browse({activity_id}).unlink();  // its record is gone
      continue;
    }
    orm::RecordSet record = su[model].browse({a["res_id"].get<Id>()});
    Id type = a["activity_type_id"].is_array() ? a["activity_type_id"][0].get<Id>() : 0;
    std::string type_name =
        a["activity_type_id"].is_array() ? a["activity_type_id"][1].get<std::string>() : "Activity";
    std::string summary = a["summary"].is_string() ? a["summary"].get<std::string>() : "";
    std::string body = fmt::format("<div><p><b>{} done</b>{}</p>", common::html_escape(type_name),
                                   summary.empty() ? "" : ": " + common::html_escape(summary));
    Id assigned = a["user_id"].is_array() ? a["user_id"][0].get<Id>() : 0;
    if (assigned && assigned != env.uid())
      body += fmt::format("<p>(originally assigned to {})</p>",
                          common::html_escape(a["user_id"][1].get<std::string>()));
    if (a["note"].is_string() && !a["note"].get<std::string>().empty())
      body += "<div>" + a["note"].get<std::string>() + "</div>";
    if (!feedback.empty())
      body += "<p>Feedback: " + common::html_escape(feedback) + "</p>";
    body += "</div>";

    Post post;
    post.body = body;
    post.body_is_html = true;
    post.message_type = "notification";
    post.subtype_xmlid = "mail.mt_activities";
    post.author_id = user_partner(env);
    post.mail_activity_type_id = type;
    Id mid = message_post(record.with_env(su), post);
    if (!first)
      first = mid;
    su["mail.activity"]
        .browse({activity_id})
        .write(Json{{"active", false},
                    {"date_done", common::format_date(done_on)},
                    {"feedback", feedback}});

    // A type that triggers its next activity schedules it now.
    if (type) {
      std::unordered_map<std::string, Value> t = su["mail.activity.type"].browse({type}).row();
      Id next = t.count("triggered_next_type_id") ? id_of(t["triggered_next_type_id"]) : 0;
      if (next && text_of(t["chaining_type"]) == "trigger") {
        ActivityValues v;
        v.activity_type_id = next;
        Id user = assigned ? assigned : env.uid();
        v.user_id = user;
        v.date_deadline = type_deadline(su, next, context_tz(env));
        activity_schedule(record.with_env(env), v);
      }
    }
  }
  return first;
}

void install_activities(orm::Runtime& runtime) {
  runtime.add_hooks("mail.activity", std::make_shared<ActivityHooks>());
  runtime.add_native_compute("mail.activity", "state", compute_state);
  runtime.add_method("mail.activity", "action_feedback",
                     orm::Method{.fn = [](const orm::RecordSet& rs, const Json& p) -> Json {
                                   Id mid = action_feedback(rs, orm::param_string(p, "feedback"));
                                   return mid ? Json(mid) : Json(false);
                                 },
                                 .params = {"feedback"}});
  runtime.add_method("mail.activity", "action_done",
                     orm::Method{.fn = [](const orm::RecordSet& rs, const Json&) -> Json {
                       Id mid = action_feedback(rs, "");
                       return mid ? Json(mid) : Json(false);
                     }});
  runtime.add_method("*", "activity_schedule",
                     orm::Method{.fn = [](const orm::RecordSet& rs, const Json& p) -> Json {
                                   ActivityValues v;
                                   v.act_type_xmlid = orm::param_string(p, "act_type_xmlid");
                                   v.activity_type_id =
                                       orm::param_int(p, "activity_type_id", 0).value_or(0);
                                   v.date_deadline = param_date(p, "date_deadline");
                                   v.summary = orm::param_string(p, "summary");
                                   v.note = orm::param_string(p, "note");
                                   v.user_id = orm::param_int(p, "user_id", 0).value_or(0);
                                   return activity_schedule(rs, v);
                                 },
                                 .params = {"act_type_xmlid", "activity_type_id", "date_deadline",
                                            "summary", "note", "user_id"}});
}

}  // namespace autorules::mail
