#include "orm/base/users.h"

#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "common/errors.h"
#include "common/text.h"
#include "orm/base/base_data.h"
#include "orm/base/login.h"
#include "orm/crypto.h"
#include "orm/methods.h"
#include "orm/recordset.h"
#include "orm/xmlid.h"

namespace autorules::orm {

using common::Id;
using common::IdList;
using common::Json;
using common::Value;

namespace {

bool truthy(const Json& v) {
  return !(v.is_null() || (v.is_boolean() && !v.get<bool>()));
}

std::optional<Id> group_id(const Env& env, const char* xmlid) {
  return env.xmlid_to_res_id(xmlid);
}

// all_group_ids.
std::vector<Value> compute_all_groups(const RecordSet& users) {
  std::vector<Value> out;
  for (Id uid : users.ids()) {
    std::set<Id> all = users.env().with_user(uid).group_ids();
    out.emplace_back(IdList(all.begin(), all.end()));
  }
  return out;
}

void refresh_share(const Env& env, const IdList& users) {
  auto internal = group_id(env, "base.group_user");
  env.bump_generation("security");
  for (Id uid : users) {
    Env as_user = env.with_user(uid);
    bool share = !as_user.has_group("base.group_user");
    Value p[] = {Value(std::int64_t{share}), Value(uid)};
    env.cr().execute("UPDATE \"res_users\" SET \"share\" = ? WHERE \"id\" = ?", p);
  }
  (void)internal;
}

class UsersHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    auto login = vals.find("login");
    if (login != vals.end() && login->is_string())
      check_login(env, login->get<std::string>(), 0);
    if (!vals.contains("partner_id") || !truthy(vals["partner_id"])) {
      Json pv = {
          {"name", vals.contains("name") && vals["name"].is_string() ? vals["name"] : Json("")}};
      if (login != vals.end() && login->is_string() &&
          login->get<std::string>().find('@') != std::string::npos) {
        pv["email"] = *login;
      }
      if (pv["name"].get<std::string>().empty())
        return;  // "required" reports the missing name
      vals["partner_id"] = env.sudo()["res.partner"].create(pv).id();
    }
    if (!vals.contains("group_ids") && !vals.contains("groups_id")) {
      if (auto g = group_id(env, "base.group_user"))
        vals["group_ids"] = Json::array({Json::array({6, 0, Json::array({*g})})});
    }
  }
  void after_create(const RecordSet& records, const Json&) override {
    refresh_share(records.env(), records.ids());
  }
  void before_write(const RecordSet& records, Json& vals) override {
    auto login = vals.find("login");
    if (login != vals.end() && login->is_string()) {
      for (Id id : records.ids())
        check_login(records.env(), login->get<std::string>(), id);
    }
    if (vals.contains("active") && !truthy(vals["active"])) {
      for (Id id : records.ids()) {
        if (id == kAdminId || id == records.env().uid()) {
          throw common::UserError("You cannot deactivate the user you're currently logged in as.");
        }
      }
    }
  }
  void after_write(const RecordSet& records, const Json& vals) override {
    if (vals.contains("group_ids") || vals.contains("groups_id"))
      refresh_share(records.env(), records.ids());
    if (vals.contains("active"))
      records.env().bump_generation("security");
  }
  void before_unlink(const RecordSet& records) override {
    for (Id id : records.ids()) {
      if (id == kSuperuserId || id == kAdminId) {
        throw common::UserError(
            "You can not remove the admin user as it is used internally for resources created by "
            "Odoo (updates, module installation, ...)");
      }
    }
  }

 private:
  static void check_login(const Env& env, const std::string& login, Id self) {
    Value p[] = {Value(login), Value(self)};
    if (env.cr()
            .scalar("SELECT 1 FROM \"res_users\" WHERE \"login\" = ? AND \"id\" != ?", p)
            .is_int()) {
      throw common::ValidationError("You can not have two users with the same login!");
    }
  }
};

// Any change to groups (members, implications) invalidates the cached groups of every user.
class GroupsHooks final : public ModelHooks {
 public:
  void after_write(const RecordSet& records, const Json&) override { bump(records.env()); }
  void after_create(const RecordSet& records, const Json&) override { bump(records.env()); }
  void after_unlink(const Env& env, const std::string&, const IdList&) override { bump(env); }

 private:
  static void bump(const Env& env) { env.bump_generation("security"); }
};

class PartnerHooks final : public ModelHooks {
 public:
  void before_create(const Env&, const std::string&, Json& vals) override { sync(vals); }
  void before_write(const RecordSet&, Json& vals) override { sync(vals); }
  void copy_data(const RecordSet& record, Json& vals) override {
    (void)record;
    if (vals.contains("name") && vals["name"].is_string()) {
      vals["name"] = vals["name"].get<std::string>() + " (copy)";
    }
  }

 private:
  // company_type and is_company are two views of one fact.
  static void sync(Json& vals) {
    if (vals.contains("company_type") && vals["company_type"].is_string()) {
      vals["is_company"] = vals["company_type"].get<std::string>() == "company";
    } else if (vals.contains("is_company") && vals["is_company"].is_boolean()) {
      vals["company_type"] = vals["is_company"].get<bool>() ? "company" : "person";
    }
  }
};

class ConfigParameterHooks final : public ModelHooks {
 public:
  void before_create(const Env& env, const std::string&, Json& vals) override {
    if (vals.contains("key") && vals["key"].is_string())
      check_unique(env, vals["key"].get<std::string>(), 0);
  }
  void before_write(const RecordSet& records, Json& vals) override {
    if (vals.contains("key") && vals["key"].is_string()) {
      for (Id id : records.ids())
        check_unique(records.env(), vals["key"].get<std::string>(), id);
    }
  }

 private:
  static void check_unique(const Env& env, const std::string& key, Id self) {
    Value p[] = {Value(key), Value(self)};
    if (env.cr()
            .scalar("SELECT 1 FROM \"ir_config_parameter\" WHERE \"key\" = ? AND \"id\" != ?", p)
            .is_int()) {
      throw common::ValidationError("Key must be unique.");
    }
  }
};

}  // namespace

namespace {

struct KeyRow {
  Id id = 0;
  Id user_id = 0;
};

// The row of a key that exists, has not expired and belongs to an active user.
std::optional<KeyRow> find_key(const Env& env, std::string_view key) {
  if (key.size() < 16 || key.size() > 256)
    return std::nullopt;
  std::string hash = sha256_hex(key);
  Value p[] = {Value(key.substr(0, 8))};
  std::optional<KeyRow> found;
  std::optional<common::DateTime> expiry;
  env.cr().query(
      "SELECT k.\"user_id\", k.\"key\", k.\"expiration_date\", k.\"id\" FROM "
      "\"res_users_apikeys\" AS k JOIN \"res_users\" AS u ON u.\"id\" = k.\"user_id\" "
      "WHERE k.\"index\" = ? AND u.\"active\" = 1",
      p, [&](const store::RowView& r) {
        if (!found && constant_time_equal(r.text(1), hash)) {
          found = KeyRow{r.int64(3), r.int64(0)};
          if (!r.is_null(2))
            expiry = common::parse_datetime(r.text(2));
        }
      });
  if (found && expiry && *expiry <= env.runtime().clock().now())
    return std::nullopt;
  return found;
}

// Odoo's base.enable_programmatic_api_keys: generate(key=...) and revoke(key) are for
// administrators unless this parameter is true.
void ensure_programmatic_keys(const Env& env) {
  if (env.su() || env.is_system())
    return;
  std::string on = get_param(env.sudo(), "base.enable_programmatic_api_keys").value_or("");
  if (on != "1" && on != "True" && on != "true")
    throw common::UserError("Programmatic API keys are not enabled");
}

// Odoo's rule for a key's life: administrators choose freely (no expiration: a persistent key);
// anyone else must give an expiration date at most the longest api_key_duration of their groups
// (implied ones included; 1 day when none has one) away.
void check_key_expiration(const Env& env, Id uid, const std::optional<common::DateTime>& expiry) {
  if (env.su() || env.is_system())
    return;
  if (!expiry)
    throw common::ValidationError("The API key must have an expiration date");
  double max_days = 0;
  for (Id gid : env.with_user(uid).group_ids()) {
    Value q[] = {Value(gid)};
    Value days =
        env.cr().scalar("SELECT \"api_key_duration\" FROM \"res_groups\" WHERE \"id\" = ?", q);
    if (days.is_number())
      max_days = std::max(max_days, days.as_number());
  }
  if (max_days <= 0)
    max_days = 1.0;
  auto limit = common::add_seconds(env.now(), static_cast<std::int64_t>(max_days * 86400));
  if (*expiry > limit)
    throw common::ValidationError(fmt::format("You cannot exceed {:g} days.", max_days));
}

}  // namespace

std::optional<Id> authenticate_key(const Env& env, std::string_view key) {
  auto row = find_key(env, key);
  if (!row)
    return std::nullopt;
  return row->user_id;
}

std::optional<Id> authenticate_key(Runtime& runtime, std::string_view key) {
  Env env = Env::begin(runtime, kSuperuserId, store::Access::kRead);
  return authenticate_key(env, key);
}

std::string generate_key(const Env& env, Id uid, const std::string& name, const std::string& scope,
                         std::optional<common::DateTime> expiration,
                         std::optional<std::string> fixed_key) {
  if (name.empty())
    throw common::ValidationError("An API key needs a description (name)");
  std::string key = fixed_key ? *fixed_key : common::random_hex(20);
  if (key.size() < 16)
    throw common::ValidationError("An API key must be at least 16 characters long");
  Json vals = {{"name", name},
               {"user_id", uid},
               {"scope", scope.empty() ? Json(false) : Json(scope)},
               {"index", key.substr(0, 8)}};
  if (expiration)
    vals["expiration_date"] = common::format_datetime(*expiration);
  RecordSet rec = env.sudo()["res.users.apikeys"].create(vals);
  Value p[] = {Value(sha256_hex(key)), Value(rec.id())};
  env.cr().execute("UPDATE \"res_users_apikeys\" SET \"key\" = ? WHERE \"id\" = ?", p);
  return key;
}

std::optional<Id> user_by_login(const Env& env, const std::string& login) {
  Value p[] = {Value(login)};
  Value v = env.cr().scalar("SELECT \"id\" FROM \"res_users\" WHERE \"login\" = ?", p);
  return v.is_int() ? std::optional<Id>(v.as_int()) : std::nullopt;
}

std::optional<std::string> get_param(const Env& env, const std::string& key) {
  Value p[] = {Value(key)};
  Value v = env.cr().scalar("SELECT \"value\" FROM \"ir_config_parameter\" WHERE \"key\" = ?", p);
  return v.is_string() ? std::optional<std::string>(v.as_string()) : std::nullopt;
}

std::int64_t get_int_param(const Env& env, const std::string& key, std::int64_t def) {
  auto v = get_param(env, key);
  if (!v)
    return def;
  try {
    return std::stoll(*v);
  } catch (const std::exception&) {
    spdlog::warn("Invalid value for '{}', using {}", key, def);
    return def;
  }
}

void set_param(const Env& env, const std::string& key, const std::string& value) {
  RecordSet params = env["ir.config_parameter"];
  RecordSet found = params.search(domain::Domain::term("key", domain::Op::kEq, key));
  if (found.empty()) {
    params.create(Json{{"key", key}, {"value", value}});
  } else {
    found.write(Json{{"value", value}});
  }
}

void register_base_models(Runtime& rt) {
  rt.add_hooks("res.users", std::make_shared<UsersHooks>());
  register_password_methods(rt);
  register_base_data_models(rt);
  rt.add_native_compute("res.users", "all_group_ids", compute_all_groups);
  rt.add_hooks("res.groups", std::make_shared<GroupsHooks>());
  rt.add_hooks("res.partner", std::make_shared<PartnerHooks>());
  rt.add_hooks("ir.config_parameter", std::make_shared<ConfigParameterHooks>());
  for (const char* m :
       {"res.users", "res.groups", "res.currency", "base.automation", "ir.actions.server",
        "mail.template", "sms.template", "whatsapp.template"}) {
    rt.set_access(m, ModelAccess::kConfiguration);
  }
  for (const char* m : {"ir.config_parameter", "ir.logging", "res.users.apikeys",
                        "res.users.session", "ir.cron", "outbox.message", "outbox.attempt"}) {
    rt.set_access(m, ModelAccess::kAdminOnly);
  }

  rt.add_method("res.users", "context_get",
                Method{.fn =
                           [](const RecordSet& rs, const Json&) {
                             return Json{{"lang", "en_US"}, {"tz", "UTC"}, {"uid", rs.env().uid()}};
                           },
                       .model_level = true,
                       .readonly = true});
  // Odoo 17+: user.has_group('base.group_system'), for one user (the caller when none is given).
  rt.add_method(
      "res.users", "has_group",
      Method{.fn = [](const RecordSet& rs, const Json& p) -> Json {
               if (rs.size() > 1)
                 throw common::ValueError(
                     fmt::format("Expected singleton: res.users({})", fmt::join(rs.ids(), ", ")));
               std::string group = param_string(p, "group_ext_id");
               if (group.find('.') == std::string::npos)
                 throw common::ValueError(
                     "External ID must be fully qualified (module.name), e.g. base.group_user");
               Id uid = rs.empty() ? rs.env().uid() : rs.id();
               rs.browse(rs.empty() ? IdList{} : IdList{uid})
                   .check_access(RecordSet::Operation::kRead);
               return rs.env().with_user(uid).has_group(group);
             },
             .params = {"group_ext_id"},
             .required_params = {"group_ext_id"},
             .readonly = true});
  rt.add_method("ir.config_parameter", "get_param",
                Method{.fn =
                           [](const RecordSet& rs, const Json& p) {
                             rs.check_access(RecordSet::Operation::kRead);
                             auto v = get_param(rs.env(), param_string(p, "key"));
                             if (v)
                               return Json(*v);
                             return p.contains("default") ? p["default"] : Json(false);
                           },
                       .params = {"key", "default"},
                       .required_params = {"key"},
                       .model_level = true,
                       .readonly = true});
  rt.add_method(
      "ir.config_parameter", "set_param",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   std::string key = param_string(p, "key");
                   if (key.empty())
                     throw common::ValidationError("set_param needs a key");
                   const Json& value = p["value"];
                   RecordSet found = rs.search(domain::Domain::term("key", domain::Op::kEq, key));
                   if (!truthy(value)) {
                     found.unlink();
                     return Json(true);
                   }
                   std::string text = value.is_string() ? value.get<std::string>() : value.dump();
                   if (found.empty()) {
                     rs.create(Json{{"key", key}, {"value", text}});
                   } else {
                     found.write(Json{{"value", text}});
                   }
                   return Json(true);
                 },
             .params = {"key", "value"},
             .required_params = {"key", "value"},
             .model_level = true});
  // Odoo 19's generate(key, scope, name, expiration_date): a user proves one of their keys and
  // gets another (base.programmatic_api_keys_limit live keys at most). Without `key`, the
  // administrators' path: a key for themselves or for another user (`user_id`).
  rt.add_method(
      "res.users.apikeys", "generate",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   const Env& env = rs.env();
                   if (!env.su() && !env.has_group("base.group_user")) {
                     throw common::AccessError("Only internal users may create API keys.");
                   }
                   std::optional<common::DateTime> expiry;
                   std::string exp = param_string(p, "expiration_date");
                   if (!exp.empty()) {
                     expiry = common::parse_datetime(exp);
                     if (!expiry) {
                       throw common::ValueError(fmt::format(
                           "Invalid expiration_date '{}': expected \"YYYY-MM-DD HH:MM:SS\"",
                           common::truncate_utf8(exp, 40)));
                     }
                     if (*expiry <= env.now()) {
                       throw common::ValidationError(
                           "The expiration date of an API key must be in the future.");
                     }
                   }
                   Id uid = env.uid();
                   std::string key = param_string(p, "key");
                   if (!key.empty()) {
                     if (p.contains("user_id") && truthy(p["user_id"]))
                       throw common::UnprocessableError(
                           "'key' generates a key for its own user: 'user_id' goes without it");
                     ensure_programmatic_keys(env);
                     auto row = find_key(env.sudo(), key);
                     if (!row || row->user_id != env.uid()) {
                       throw common::AccessDenied(
                           "The provided API key is invalid or does not belong to the current "
                           "user.");
                     }
                     std::int64_t limit =
                         get_int_param(env.sudo(), "base.programmatic_api_keys_limit", 10);
                     Value q[] = {Value(env.uid()), Value(common::format_datetime(env.now()))};
                     std::int64_t live =
                         env.cr()
                             .scalar(
                                 "SELECT COUNT(*) FROM \"res_users_apikeys\" WHERE "
                                 "\"user_id\" = ? AND (\"expiration_date\" IS NULL OR "
                                 "\"expiration_date\" >= ?)",
                                 q)
                             .as_int();
                     if (live >= limit) {
                       throw common::UserError(fmt::format(
                           "Limit of {} API keys is reached for programmatic creation", limit));
                     }
                   } else if (p.contains("user_id") && truthy(p["user_id"])) {
                     if (!p["user_id"].is_number_integer()) {
                       throw common::UnprocessableError("'user_id' must be a user id");
                     }
                     uid = p["user_id"].get<Id>();
                     if (uid != env.uid() && !env.su() && !env.is_system()) {
                       throw common::AccessError(
                           "Only administrators may create API keys for other users.");
                     }
                     if (env.sudo()["res.users"].browse({uid}).exists().empty()) {
                       throw common::MissingError(fmt::format("The user {} does not exist", uid));
                     }
                   }
                   check_key_expiration(env, uid, expiry);
                   return Json(generate_key(env, uid, param_string(p, "name"),
                                            param_string(p, "scope"), expiry));
                 },
             .params = {"key", "scope", "name", "expiration_date", "user_id"},
             .required_params = {"name"},
             .model_level = true});
  // The caller's own keys, for the interface's account page: res.users.apikeys itself is for
  // administrators only. Never the key or its hash; newest first.
  rt.add_method("res.users.apikeys", "own_keys",
                Method{.fn =
                           [](const RecordSet& rs, const Json&) {
                             const Env& env = rs.env();
                             RecordSet keys = env.sudo()["res.users.apikeys"].search(
                                 domain::Domain::term("user_id", domain::Op::kEq, Json(env.uid())));
                             return keys.read({"name", "scope", "create_date", "expiration_date"});
                           },
                       .model_level = true,
                       .readonly = true});
  // Odoo 19's revoke(key): removes the key given (the caller's or, for an administrator, any);
  // called on ids instead, removes those keys (one's own, or any for an administrator).
  rt.add_method(
      "res.users.apikeys", "revoke",
      Method{.fn =
                 [](const RecordSet& rs, const Json& p) {
                   const Env& env = rs.env();
                   RecordSet keys = rs.sudo();
                   std::string key = param_string(p, "key");
                   if (!key.empty()) {
                     if (!rs.empty())
                       throw common::UnprocessableError("revoke takes a key or ids, not both");
                     ensure_programmatic_keys(env);
                     auto row = find_key(env.sudo(), key);
                     if (!row)
                       throw common::AccessDenied("The provided API key is invalid.");
                     keys = keys.browse({row->id});
                   }
                   keys.ensure_exist();
                   if (!env.su() && !env.is_system()) {
                     for (const Value& owner : keys.mapped("user_id")) {
                       if (!owner.is_int() || owner.as_int() != env.uid()) {
                         throw common::AccessError("You can only revoke your own API keys.");
                       }
                     }
                   }
                   keys.unlink();
                   return Json(true);
                 },
             .params = {"key"}});
}

namespace {

Id ensure(const Env& env, const std::string& xmlid, const std::string& model, const Json& vals) {
  if (auto id = env.xmlid_to_res_id(xmlid))
    return *id;
  Id id = env[model].create(vals).id();
  size_t dot = xmlid.find('.');
  set_xmlid(env, xmlid.substr(0, dot), xmlid.substr(dot + 1), model, id, true);
  return id;
}

}  // namespace

void ensure_base_data(const Env& env) {
  Id user = ensure(env, "base.group_user", "res.groups",
                   {{"name", "Internal User"},
                    {"comment", "Internal users: read and write business records."},
                    {"api_key_duration", 90}});
  Id system =
      ensure(env, "base.group_system", "res.groups",
             {{"name", "Settings"},
              {"comment", "Administrators: may change configuration and write Python code."},
              {"implied_ids", Json::array({Json::array({6, 0, Json::array({user})})})}});
  ensure(env, "base.group_portal", "res.groups", {{"name", "Portal"}});
  ensure(env, "base.group_public", "res.groups", {{"name", "Public"}});

  Id partner_root = ensure(env, "base.partner_root", "res.partner", {{"name", "OdooBot"}});
  ensure(env, "base.user_root", "res.users",
         {{"name", "OdooBot"},
          {"login", "__system__"},
          {"partner_id", partner_root},
          {"active", false},
          {"group_ids", Json::array({Json::array({6, 0, Json::array({system, user})})})}});
  Id partner_admin = ensure(env, "base.partner_admin", "res.partner",
                            {{"name", "Administrator"}, {"email", "admin@example.com"}});
  ensure(env, "base.user_admin", "res.users",
         {{"name", "Administrator"},
          {"login", "admin"},
          {"partner_id", partner_admin},
          {"group_ids", Json::array({Json::array({6, 0, Json::array({system, user})})})}});

  struct Currency {
    const char* code;
    const char* name;
    const char* symbol;
    const char* position;
    int decimals;
  };
  for (const Currency& c : {Currency{"USD", "United States dollar", "$", "before", 2},
                            Currency{"EUR", "Euro", "€", "after", 2},
                            Currency{"GBP", "Pound sterling", "£", "before", 2},
                            Currency{"CHF", "Swiss franc", "CHF", "after", 2},
                            Currency{"CAD", "Canadian dollar", "$", "before", 2},
                            Currency{"JPY", "Japanese yen", "¥", "before", 0},
                            Currency{"INR", "Indian rupee", "₹", "before", 2}}) {
    ensure(env, std::string("base.") + c.code, "res.currency",
           {{"name", c.code},
            {"full_name", c.name},
            {"symbol", c.symbol},
            {"position", c.position},
            {"decimal_places", c.decimals},
            {"rounding", c.decimals ? 0.01 : 1.0}});
  }
  ensure_countries_and_company(env);  // orm/base/base_data.h
  if (!get_param(env, "database.uuid"))
    set_param(env, "database.uuid", common::random_uuid4());
  if (!get_param(env, "database.create_date")) {
    set_param(env, "database.create_date", common::format_datetime(env.now()));
  }
  if (!get_param(env, "web.base.url"))
    set_param(env, "web.base.url", "http://127.0.0.1:8069");
  Value p[] = {Value("base")};
  if (!env.cr().scalar("SELECT 1 FROM \"ir_module_module\" WHERE \"name\" = ?", p).is_int()) {
    env["ir.module.module"].create(
        {{"name", "base"}, {"shortdesc", "Base"}, {"state", "installed"}, {"demo", false}});
  }
}

}  // namespace autorules::orm
