#include "api/doc.h"

#include <fmt/format.h>

#include "api/auth.h"
#include "common/errors.h"
#include "common/json.h"
#include "orm/env.h"
#include "orm/methods.h"
#include "orm/recordset.h"

namespace autorules::api {

using common::Json;

namespace {

std::string esc(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

Json model_doc(const orm::Env& env, const schema::Model& m) {
  Json fields = env[m.name()].fields_get();
  Json methods = Json::array();
  for (const std::string& name : env.runtime().method_names(m.name())) {
    if (!orm::is_public_method(name))
      continue;
    const orm::Method* meth = env.runtime().method(m.name(), name);
    methods.push_back({{"name", name},
                       {"parameters", meth->params},
                       {"required", meth->required_params},
                       {"model_level", meth->model_level},
                       {"readonly", meth->readonly}});
  }
  return {{"model", m.name()},
          {"name", m.description()},
          {"order", m.order()},
          {"fields", fields},
          {"methods", methods}};
}

// A read transaction in which the key or session was found valid, for reading the whole registry.
orm::Env authenticated(orm::Runtime& runtime, const Credentials& credentials) {
  if (credentials.session.empty() || !credentials.authorization.empty())
    bearer_key(credentials.authorization);  // the missing key's message, before any transaction
  orm::Env env = orm::Env::begin(runtime, orm::kSuperuserId, store::Access::kRead);
  authenticate(env, credentials);
  return env.sudo();
}

}  // namespace

std::string doc_model_json(orm::Runtime& runtime, const Credentials& credentials,
                           const std::string& model) {
  orm::Env env = authenticated(runtime, credentials);
  return model_doc(env, env.registry().get(model)).dump(2);
}

std::string doc_html(orm::Runtime& runtime, const Credentials& credentials) {
  orm::Env env = authenticated(runtime, credentials);
  std::string toc, body;
  for (const schema::Model* m : env.registry().models()) {
    Json d = model_doc(env, *m);
    toc += fmt::format("<li><a href=\"#{0}\">{0}</a> — {1}</li>\n", esc(m->name()),
                       esc(m->description()));
    body += fmt::format(
        "<h2 id=\"{0}\">{0} <small>{1}</small></h2>\n"
        "<p><a href=\"/doc/{0}.json\">JSON</a> · default order: <code>{2}</code></p>\n"
        "<table><tr><th>Field</th><th>Type</th><th>Label</th><th>Attributes</th></tr>\n",
        esc(m->name()), esc(m->description()), esc(m->order()));
    for (const auto& [name, f] : d["fields"].items()) {
      std::string attrs;
      for (const char* a : {"required", "readonly"}) {
        if (f.value(a, false))
          attrs += std::string(attrs.empty() ? "" : ", ") + a;
      }
      if (!f.value("store", true))
        attrs += std::string(attrs.empty() ? "" : ", ") + "not stored";
      if (f.contains("related"))
        attrs +=
            std::string(attrs.empty() ? "" : ", ") + "related " + f["related"].get<std::string>();
      std::string type = f["type"].get<std::string>();
      if (f.contains("relation"))
        type += " → " + f["relation"].get<std::string>();
      if (f.contains("selection")) {
        std::string keys;
        for (const auto& o : f["selection"])
          keys += (keys.empty() ? "" : ", ") + o[0].get<std::string>();
        type += " (" + keys + ")";
      }
      body += fmt::format("<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                          esc(name), esc(type), esc(f["string"].get<std::string>()), esc(attrs));
    }
    body += "</table>\n<p>Methods: ";
    bool first = true;
    for (const auto& meth : d["methods"]) {
      std::string params;
      for (const auto& p : meth["parameters"])
        params += (params.empty() ? "" : ", ") + p.get<std::string>();
      body += fmt::format("{}<code>{}({})</code>", first ? "" : " · ",
                          esc(meth["name"].get<std::string>()), esc(params));
      first = false;
    }
    body += "</p>\n";
  }
  return fmt::format(
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>autorules — API "
      "documentation</title>"
      "<style>body{{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em}}"
      "table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px "
      "6px;text-align:left}}"
      "small{{color:#666;font-weight:normal}}</style></head><body>"
      "<h1>autorules — models, fields and methods</h1>"
      "<p>Call a method with <code>POST /json/2/&lt;model&gt;/&lt;method&gt;</code>, the header "
      "<code>Authorization: bearer &lt;API key&gt;</code> and a JSON object of named parameters "
      "(<code>ids</code> and <code>context</code> included).</p><ul>{}</ul>{}</body></html>",
      toc, body);
}

}  // namespace autorules::api
