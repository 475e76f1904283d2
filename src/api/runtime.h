// The runtime a server works on: the ORM runtime of one database with every layer above the ORM
// installed into it — the sandbox, mail, the server actions, the automation engine, the scheduled
// jobs and the outbox — in the one order that works, and the database initialized. `serve`, the
// command's other verbs and the tests that need the whole engine all start from make_runtime(),
// so that what a runtime holds is decided in one place.
//
// Each runtime owns its state (its engine, rule cache and counters: Runtime::component); the
// embedded Python interpreter is the one thing a process shares (script/sandbox.h).
#pragma once

#include <memory>
#include <string>

#include "actions/actions.h"
#include "common/clock.h"
#include "mail/mail.h"
#include "orm/runtime.h"
#include "script/sandbox.h"

namespace autorules::api {

struct RuntimeOptions {
  // The database's URL (store::Database::open): "sqlite:<file>" or "sqlite::memory:".
  std::string database;
  // Where the runtime reads the time; the system clock when null. Must outlive the runtime.
  const common::Clock* clock = nullptr;
  // Where apps (modules/<app>/manifest.json) are found; empty keeps the runtime's default.
  std::string modules_path;
  // The sandbox's limits (--script-timeout).
  script::Options sandbox;
  // Mail: the SMTP server used when no ir.mail_server applies (--smtp-url).
  mail::Options mail;
  // The server actions: the language model of "Update with AI" (--ai-url, ...).
  actions::Options actions;
};

// Opens the database, installs every layer and initializes the database (creates or upgrades it:
// idempotent). Throws what opening or initializing throws (common::Error kinds, store errors).
std::unique_ptr<orm::Runtime> make_runtime(const RuntimeOptions& options);

}  // namespace autorules::api
