#include "orm/base/modules.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "common/errors.h"
#include "orm/env.h"
#include "orm/internal/rows.h"
#include "orm/methods.h"
#include "orm/recordset.h"
#include "orm/xmlid.h"

namespace autorules::orm {

using common::Id;
using common::Json;
using common::Value;
namespace fs = std::filesystem;

namespace {

Json read_json_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in)
    throw common::UserError(fmt::format("cannot read the app file {}", path.string()));
  std::stringstream ss;
  ss << in.rdbuf();
  try {
    return Json::parse(ss.str());
  } catch (const Json::parse_error& e) {
    throw common::UserError(
        fmt::format("the app file {} is not valid JSON: {}", path.string(), e.what()));
  }
}

std::vector<std::string> strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key)) {
    for (const Json& v : j[key])
      out.push_back(v.get<std::string>());
  }
  return out;
}

AppManifest parse_manifest(const fs::path& file) {
  Json j = read_json_file(file);
  AppManifest m;
  m.name = j.value("name", file.parent_path().filename().string());
  m.summary = j.value("summary", "");
  m.depends = strings(j, "depends");
  m.models = strings(j, "models");
  m.data = strings(j, "data");
  m.demo = strings(j, "demo");
  m.methods = strings(j, "methods");
  return m;
}

class Loader {
 public:
  Loader(const Env& env, const AppManifest& app, const fs::path& dir)
      : env_(env), app_(app), dir_(dir) {}

  void load_models(const std::string& file) {
    Json defs = read_json_file(dir_ / file);
    if (!defs.is_array())
      fail(file, "expected a list of models");
    // Fields are added in phases so that models may refer to each other in any order:
    // plain fields with their model, then many2one/many2many, then one2many, then related.
    std::vector<std::pair<std::string, Json>> later[3];
    for (const Json& def : defs) {
      std::string model = def.value("model", "");
      if (model.empty())
        fail(file, "a model definition needs \"model\"");
      Json fields = Json::array();
      for (const Json& fd : def.value("fields", Json::array())) {
        Json vals = field_vals(file, fd);
        std::string t = vals.value("ttype", "");
        int phase = !vals.value("related", "").empty()      ? 2
                    : t == "one2many"                       ? 1
                    : (t == "many2one" || t == "many2many") ? 0
                                                            : -1;
        if (phase < 0) {
          fields.push_back(Json::array({0, 0, vals}));
        } else {
          later[phase].emplace_back(model, vals);
        }
      }
      if (env_.registry().contains(model)) {
        for (const Json& cmd : fields)
          create_field(model, cmd[2]);
        continue;
      }
      Json mv = {{"model", model},
                 {"name", def.value("name", model)},
                 {"state", "base"},
                 {"order", def.value("order", "id")},
                 {"is_mail_thread", def.value("is_mail_thread", false)},
                 {"info", def.value("info", "")},
                 {"field_id", fields}};
      env_["ir.model"].create(mv);
    }
    for (auto& phase : later) {
      for (auto& [model, vals] : phase)
        create_field(model, vals);
    }
    // Orders may name relational fields, which exist only now.
    for (const Json& def : defs) {
      const schema::Model* m = env_.registry().find(def.value("model", ""));
      if (!m)
        continue;
      try {
        order_by_sql(env_, *m, m->order(), "t");
      } catch (const common::Error& e) {
        fail(file, fmt::format("model '{}': {}", m->name(), e.what()));
      }
    }
  }

  void load_records(const std::string& file) {
    Json records = read_json_file(dir_ / file);
    if (!records.is_array())
      fail(file, "expected a list of records");
    for (const Json& rec : records) {
      std::string model = rec.value("model", "");
      if (model.empty())
        fail(file, "a record needs \"model\"");
      std::string xmlid = rec.value("id", "");
      if (!xmlid.empty() && xmlid.find('.') == std::string::npos)
        xmlid = app_.name + "." + xmlid;
      if (!xmlid.empty() && env_.xmlid_to_res_id(xmlid))
        continue;  // loaded before
      Json vals = resolve(file, rec.value("values", Json::object()));
      Id id;
      try {
        id = env_[model].create(vals).id();
      } catch (const common::Error& e) {
        fail(file, fmt::format("record {}: {}", xmlid.empty() ? model : xmlid, e.what()));
      }
      if (!xmlid.empty()) {
        size_t dot = xmlid.find('.');
        set_xmlid(env_, xmlid.substr(0, dot), xmlid.substr(dot + 1), model, id, true);
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& file, const std::string& why) const {
    throw common::UserError(fmt::format("app '{}', file {}: {}", app_.name, file, why));
  }

  Json field_vals(const std::string& file, const Json& fd) const {
    if (!fd.is_object() || !fd.contains("name") || !fd.contains("ttype")) {
      fail(file, fmt::format("a field needs \"name\" and \"ttype\": {}", fd.dump()));
    }
    Json vals = fd;
    vals["state"] = "base";
    if (!vals.contains("field_description"))
      vals["field_description"] = fd["name"];
    if (vals.contains("default")) {
      vals["default_value"] = vals["default"].dump();
      vals.erase("default");
    }
    if (vals.contains("selection")) {
      Json cmds = Json::array();
      int seq = 0;
      for (const Json& opt : vals["selection"]) {
        cmds.push_back(
            Json::array({0, 0, {{"value", opt[0]}, {"name", opt[1]}, {"sequence", seq++}}}));
      }
      vals["selection_ids"] = cmds;
      vals.erase("selection");
    }
    return vals;
  }

  void create_field(const std::string& model, Json vals) {
    std::string name = vals.value("name", "");
    if (const schema::Model* m = env_.registry().find(model); m && m->has_field(name))
      return;
    vals["model"] = model;
    env_["ir.model.fields"].create(vals);
  }

  Json resolve(const std::string& file, const Json& v) const {
    if (v.is_object()) {
      if (v.size() == 1 && v.contains("ref")) {
        std::string ref = v["ref"].get<std::string>();
        if (ref.find('.') == std::string::npos)
          ref = app_.name + "." + ref;
        auto id = env_.xmlid_to_res_id(ref);
        if (!id)
          fail(file, fmt::format("unknown reference '{}'", ref));
        return *id;
      }
      if (v.size() == 1 && v.contains("date")) {
        return common::format_date(
            common::add_days(common::date_of(env_.now()), v["date"].get<int>()));
      }
      if (v.size() == 1 && v.contains("datetime")) {
        return common::format_datetime(common::add_seconds(
            env_.now(), static_cast<std::int64_t>(v["datetime"].get<double>() * 86400)));
      }
      Json out = Json::object();
      for (const auto& [k, x] : v.items())
        out[k] = resolve(file, x);
      return out;
    }
    if (v.is_array()) {
      Json out = Json::array();
      for (const Json& x : v)
        out.push_back(resolve(file, x));
      return out;
    }
    return v;
  }

  Env env_;
  const AppManifest& app_;
  fs::path dir_;
};

}  // namespace

std::vector<AppManifest> available_apps(const Runtime& runtime) {
  std::vector<AppManifest> out;
  fs::path root(runtime.modules_path());
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return out;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    fs::path manifest = entry.path() / "manifest.json";
    if (fs::exists(manifest))
      out.push_back(parse_manifest(manifest));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

void register_app_methods(Runtime& runtime) {
  for (const AppManifest& app : available_apps(runtime)) {
    const fs::path dir = fs::path(runtime.modules_path()) / app.name;
    for (const std::string& file : app.methods) {
      const std::string where = (dir / file).string();
      Json defs = read_json_file(dir / file);
      if (!defs.is_array())
        throw common::UserError(fmt::format("{}: expected a list of methods", where));
      for (const Json& def : defs) {
        auto text = [&](const char* key) {
          if (!def.is_object() || !def.contains(key) || !def[key].is_string() ||
              def[key].get<std::string>().empty())
            throw common::UserError(fmt::format("{}: a method needs \"{}\"", where, key));
          return def[key].get<std::string>();
        };
        std::string model = text("model"), name = text("name");
        if (!is_public_method(name))
          throw common::UserError(fmt::format("{}: '{}' starts with '_'", where, name));
        std::string code;
        const Json& lines = def.value("code", Json());
        if (lines.is_string()) {
          code = lines.get<std::string>();
        } else if (lines.is_array()) {
          for (const Json& line : lines)
            code += (line.is_string() ? line.get<std::string>() : std::string()) + "\n";
        }
        if (code.empty())
          throw common::UserError(fmt::format("{}: {}.{} has no code", where, model, name));
        if (const CodeChecker& check = runtime.code_checker()) {
          if (auto error = check(code))
            throw common::UserError(fmt::format("{}: {}.{}: {}", where, model, name, *error));
        }
        Method m{.fn =
                     [code](const RecordSet& records, const Json& params) {
                       const MethodCodeRunner& run = records.env().runtime().method_code_runner();
                       if (!run)
                         throw common::InternalError("no Python sandbox to run app methods");
                       records.ensure_exist();  // a deleted record is a 404, as in Odoo
                       return run(records, code, params);
                     },
                 .params = def.value("params", std::vector<std::string>{}),
                 .required_params = def.value("required", std::vector<std::string>{}),
                 .model_level = def.value("model_level", false)};
        runtime.add_method(model, name, std::move(m));
      }
    }
  }
}

void install_apps(Runtime& runtime, const std::vector<std::string>& apps, bool demo) {
  std::map<std::string, AppManifest> known;
  for (auto& m : available_apps(runtime))
    known.emplace(m.name, m);
  // Dependency order.
  std::vector<std::string> order;
  std::set<std::string> visiting, done;
  std::function<void(const std::string&)> visit = [&](const std::string& name) {
    if (done.count(name) || name == "base")
      return;
    if (!known.count(name)) {
      throw common::UserError(
          fmt::format("unknown app '{}' (looked in {})", name, runtime.modules_path()));
    }
    if (!visiting.insert(name).second) {
      throw common::UserError(
          fmt::format("apps depend on each other in a cycle through '{}'", name));
    }
    for (const auto& dep : known[name].depends)
      visit(dep);
    visiting.erase(name);
    done.insert(name);
    order.push_back(name);
  };
  for (const auto& a : apps)
    visit(a);

  for (const std::string& name : order) {
    const AppManifest& app = known[name];
    fs::path dir = fs::path(runtime.modules_path()) / name;
    Env env = Env::begin(runtime, kSuperuserId, store::Access::kWrite)
                  .sudo()
                  .with_context({{"__install_mode", true}, {"__module", name}});
    RecordSet modules = env["ir.module.module"];
    RecordSet row = modules.search(domain::Domain::term("name", domain::Op::kEq, name));
    bool installed = !row.empty() && row.get("state").as_string() == "installed";
    bool has_demo = !row.empty() && row.get("demo").truthy();
    if (installed && (!demo || has_demo))
      continue;
    Loader loader(env, app, dir);
    if (!installed) {
      for (const auto& f : app.models)
        loader.load_models(f);
      for (const auto& f : app.data)
        loader.load_records(f);
    }
    if (demo) {
      for (const auto& f : app.demo)
        loader.load_records(f);
    }
    Json vals = {{"name", name},
                 {"shortdesc", app.summary},
                 {"state", "installed"},
                 {"demo", demo || has_demo}};
    if (row.empty()) {
      modules.create(vals);
    } else {
      row.write(vals);
    }
    env.commit();
  }
}

}  // namespace autorules::orm
