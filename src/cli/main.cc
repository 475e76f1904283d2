// The autorules command: serve, apikey, user, cron, mailgate. Every flag also reads
// AUTORULES_<FLAG>.
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <termios.h>
#include <unistd.h>

#include "api/base_url.h"
#include "api/runtime.h"
#include "api/server.h"
#include "automation/automation.h"
#include "cli/first_start.h"
#include "common/clock.h"
#include "common/errors.h"
#include "jobs/jobs.h"
#include "mail/inbound.h"
#include "mail/mime.h"
#include "orm/base/login.h"
#include "orm/base/modules.h"
#include "orm/base/users.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "orm/write_group.h"
#include "outbox/outbox.h"
#include "store/database.h"

namespace fs = std::filesystem;
using namespace autorules;

namespace {

struct Common {
  std::string db = "sqlite:./var/autorules.db";
  std::string log_level = "info";
  std::string modules_path;
  std::string smtp_url;
  std::string ai_url, ai_key, ai_model;
  int ai_timeout = 120;
};

// A directory of the project's: `in_checkout` beside the working directory first (make run), else
// beside the executable's checkout, else `installed` under the executable's prefix (make install:
// <prefix>/bin/autorules and <prefix>/share/autorules/...). "" when none exists.
std::string project_directory(const fs::path& in_checkout, const fs::path& installed) {
  if (fs::exists(in_checkout))
    return in_checkout.string();
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  for (fs::path p = exe.parent_path(); !ec && !p.empty() && p != p.root_path();
       p = p.parent_path()) {
    if (fs::exists(p / in_checkout))
      return (p / in_checkout).string();
    if (fs::exists(p / "share" / "autorules" / installed))
      return (p / "share" / "autorules" / installed).string();
  }
  return "";
}

std::string default_modules_path() {
  std::string found = project_directory("modules", "modules");
  return found.empty() ? "modules" : found;
}

// The built web interface: web/dist in a checkout, share/autorules/web once installed.
std::string default_web_root() {
  std::string found = project_directory(fs::path("web") / "dist", "web");
  return found.empty() ? (fs::path("web") / "dist").string() : found;
}

std::unique_ptr<orm::Runtime> open_runtime(const Common& c, double script_timeout = 5.0) {
  if (c.db.starts_with("sqlite:")) {
    fs::path p(c.db.substr(7));
    if (p.string() != ":memory:" && p.has_parent_path())
      fs::create_directories(p.parent_path());
  }
  api::RuntimeOptions options{
      .database = c.db,
      .modules_path = c.modules_path.empty() ? default_modules_path() : c.modules_path};
  options.sandbox.timeout_seconds = script_timeout;
  options.mail.smtp_url = c.smtp_url;
  options.actions.ai_url = c.ai_url;
  options.actions.ai_key = c.ai_key;
  options.actions.ai_model = c.ai_model;
  options.actions.ai_timeout_seconds = c.ai_timeout;
  return api::make_runtime(options);
}

// What the server is, where, and what to try first.
void print_welcome(const std::string& db, const std::string& host, int port,
                   const cli::AdminCredentials& admin) {
  const std::optional<fs::path>& key_file = admin.key_file;
  std::string url = fmt::format(
      "http://{}:{}", host.find(':') != std::string::npos ? "[" + host + "]" : host, port);
  std::string password;
  if (admin.password_file || admin.password_from_environment) {
    std::string where = admin.password_file ? "in " + admin.password_file->string()
                                            : std::string("of AUTORULES_ADMIN_PASSWORD");
    password = fmt::format(
        "  in a browser: {}/ (log in as 'admin' with the password {})\n"
        "  XML-RPC and JSON-RPC clients log in as 'admin' with the password {}\n",
        url, where, where);
  }
  std::string key =
      key_file ? fmt::format("$(cat {})", key_file->string()) : "$AUTORULES_ADMIN_KEY";
  std::cout << fmt::format(
                   "autorules: serving {} on {}\n"
                   "  the API's reference, model by model: {}/doc (with the key as a bearer "
                   "token)\n"
                   "  try:  curl -s -H \"Authorization: bearer {}\" -H "
                   "\"Content-Type: application/json\" \\\n"
                   "          -d '{{\"domain\": [], \"fields\": [\"name\"], \"limit\": 3}}' "
                   "{}/json/2/res.partner/search_read\n"
                   "{}"
                   "  stop with Ctrl-C",
                   db, url, url, key, url, password)
            << std::endl;
}

int serve(const Common& c, const api::ServerOptions& options, bool demo, const std::string& modules,
          double script_timeout, double cron_poll, const outbox::Options& delivery,
          std::size_t write_group) {
  // SIGINT/SIGTERM are handled by one thread that stops the server gracefully; they are
  // blocked before any other thread exists (the sandbox's watchdog, the request pool).
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  // The address first: one in use is reported before the database or its key file is made.
  api::Listener listener(options.host, options.port);
  auto rt = open_runtime(c, script_timeout);
  orm::set_max_group_size(*rt, write_group);
  cli::AdminCredentials admin = cli::ensure_admin_credentials(*rt, c.db);
  if (demo) {
    std::vector<std::string> all;
    for (const auto& app : orm::available_apps(*rt))
      all.push_back(app.name);
    orm::install_apps(*rt, all, /*demo=*/true);
  } else if (!modules.empty()) {
    std::vector<std::string> apps;
    std::stringstream ss(modules);
    std::string item;
    while (std::getline(ss, item, ',')) {
      if (!item.empty())
        apps.push_back(item);
    }
    orm::install_apps(*rt, apps, /*demo=*/false);
  }

  api::Server server(*rt, options);
  server.listen(std::move(listener));
  api::init_base_url(*rt, options.host, server.port());
  jobs::Scheduler scheduler(*rt, std::chrono::milliseconds(static_cast<long>(cron_poll * 1000)));
  scheduler.start();
  outbox::Dispatcher dispatcher(*rt, delivery);
  dispatcher.start();
  std::thread watcher([&] {
    int sig = 0;
    sigwait(&signals, &sig);
    spdlog::info("received {}, finishing the calls and deliveries in progress",
                 sig == SIGINT ? "SIGINT" : "SIGTERM");
    server.stop();
  });
  print_welcome(c.db, options.host, server.port(), admin);
  server.serve();
  pthread_kill(watcher.native_handle(),
               SIGTERM);  // wakes the watcher if the server stopped by itself
  watcher.join();
  scheduler.stop();
  dispatcher.stop();
  spdlog::info("stopped");
  return 0;
}

int apikey_new(const Common& c, const std::string& login, const std::string& name, int days) {
  auto rt = open_runtime(c);
  orm::Env env = orm::Env::begin(*rt, orm::kSuperuserId, store::Access::kWrite).sudo();
  auto uid = orm::user_by_login(env, login);
  if (!uid)
    throw common::UserError(fmt::format("no user with the login '{}'", login));
  std::optional<common::DateTime> expiry;
  if (days > 0)
    expiry = common::add_seconds(env.now(), static_cast<std::int64_t>(days) * 86400);
  std::string key = orm::generate_key(env, *uid, name, "rpc", expiry);
  env.commit();
  std::cout << key << std::endl;
  return 0;
}

// `autorules user password LOGIN`: sets a user's password, read from the first line of stdin
// (without echo on a terminal), or stores an existing hash (--hash, for users carried over from
// Odoo).
int user_password(const Common& c, const std::string& login, const std::string& hash) {
  std::string password;
  if (hash.empty()) {
    bool tty = ::isatty(STDIN_FILENO);
    termios saved{};
    if (tty) {
      std::cerr << "New password for " << login << ": " << std::flush;
      ::tcgetattr(STDIN_FILENO, &saved);
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::getline(std::cin, password);
    if (tty) {
      ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
      std::cerr << std::endl;
    }
    if (!password.empty() && password.back() == '\r')
      password.pop_back();
  }
  auto rt = open_runtime(c);
  orm::Env env = orm::Env::begin(*rt, orm::kSuperuserId, store::Access::kWrite).sudo();
  auto uid = orm::user_by_login(env, login);
  if (!uid)
    throw common::UserError(fmt::format("no user with the login '{}'", login));
  if (!hash.empty())
    orm::set_password_hash(env, *uid, hash);
  else
    env["res.users"].browse({*uid}).write(common::Json{{"password", password}});
  env.commit();
  std::cout << fmt::format("autorules: the password of '{}' is set", login) << std::endl;
  return 0;
}

// The rules' runs a command counted in memory reach the database as it ends, whatever the way
// out (docs/automation.md, "Run statistics"); serve's scheduler does it for the server.
struct FlushRunStatsAtEnd {
  orm::Runtime& runtime;
  ~FlushRunStatsAtEnd() { automation::flush_run_stats(runtime); }
};

// `autorules cron run`: the due jobs once, then exit (status 1 if one failed).
int cron_run(const Common& c) {
  auto rt = open_runtime(c);
  FlushRunStatsAtEnd flush{*rt};
  jobs::RunReport r = jobs::run_due(*rt);
  std::cout << fmt::format("autorules: {} job(s) run, {} failed, {} held by another process", r.ran,
                           r.failed, r.skipped)
            << std::endl;
  return r.failed ? 1 : 0;
}

// sysexits.h's codes, which mail servers understand: 75 asks them to try again later.
constexpr int kExDataErr = 65, kExNoUser = 67, kExNoPerm = 77, kExTempFail = 75;

// One RFC 822 message on stdin, routed and posted (docs/mail.md, "Incoming email").
int mailgate(const Common& c) {
  constexpr std::size_t kMax = (25u << 20) + 1;
  std::string bytes;
  char buffer[65536];
  while (std::cin.read(buffer, sizeof buffer) || std::cin.gcount() > 0) {
    bytes.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
    if (bytes.size() > kMax) {
      std::cerr << "autorules mailgate: the message is larger than 25 MiB: refused" << std::endl;
      return kExDataErr;
    }
  }
  // The message first, before the database: bytes that are not one are the sender's fault
  // (the mail server bounces them). Anything that fails after that is ours — the database, a
  // rule's action failing on the post — and the mail server must keep the message and try again
  // later, not bounce it: 75, whatever the error.
  mail::ParsedEmail parsed;
  try {
    parsed = mail::parse_mime(bytes);
  } catch (const common::Error& e) {
    std::cerr << "autorules mailgate: " << e.what() << std::endl;
    return kExDataErr;
  }
  try {
    auto rt = open_runtime(c);
    FlushRunStatsAtEnd flush{*rt};
    mail::InboundResult r = common::retry_on_conflict([&] {
      orm::Env env = orm::Env::begin(*rt, orm::kSuperuserId, store::Access::kWrite);
      mail::InboundResult result = mail::process_inbound(env, parsed);
      env.commit();
      return result;
    });
    using Kind = mail::InboundResult::Kind;
    if (r.kind == Kind::kNoRoute || r.kind == Kind::kLoop) {
      std::cerr << "autorules mailgate: " << r.detail << std::endl;
      return r.kind == Kind::kLoop ? kExNoPerm : kExNoUser;
    }
    std::cout << fmt::format("autorules mailgate: {} {} #{} (message {})",
                             mail::inbound_kind_text(r.kind), r.model, r.res_id, r.message_id)
              << std::endl;
    return 0;
  } catch (const common::ConflictError& e) {
    std::cerr << "autorules mailgate: the database is busy, try again later: " << e.what()
              << std::endl;
    return kExTempFail;
  } catch (const common::Error& e) {
    // The mail server's log is where the administrator reads why: it names the rule that failed.
    std::string rule =
        e.rule() ? fmt::format(" (automation rule '{}' #{})", e.rule()->name, e.rule()->id) : "";
    std::cerr << "autorules mailgate: the message was not posted, try again later: " << e.what()
              << rule << std::endl;
    return kExTempFail;
  } catch (const std::exception& e) {
    std::cerr << "autorules mailgate: the message was not posted, try again later: " << e.what()
              << std::endl;
    return kExTempFail;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"autorules: automation rules for business records, with Odoo's JSON-2 API"};
  app.set_version_flag("--version", std::string("autorules ") + AUTORULES_VERSION);
  app.require_subcommand(1);
  Common c;
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--db", c.db, "sqlite:PATH, or sqlite::memory:")
        ->capture_default_str()
        ->envname("AUTORULES_DB");
    sub->add_option("--log-level", c.log_level, "trace, debug, info, warn, error")
        ->capture_default_str()
        ->envname("AUTORULES_LOG_LEVEL");
    sub->add_option("--modules-path", c.modules_path, "where the apps are (default ./modules)")
        ->envname("AUTORULES_MODULES_PATH");
  };

  api::ServerOptions options;
  bool demo = false;
  std::string modules, max_body = "16M";
  double script_timeout = 5;
  double cron_poll = 60, retry_base = 10, delivery_timeout = 10;
  int max_attempts = 8;
  CLI::App* serve_cmd = app.add_subcommand("serve", "run the HTTP server");
  add_common(serve_cmd);
  serve_cmd->add_option("--http-interface", options.host, "address to listen on")
      ->capture_default_str()
      ->envname("AUTORULES_HTTP_INTERFACE");
  serve_cmd->add_option("--http-port", options.port, "port to listen on (0: any)")
      ->capture_default_str()
      ->envname("AUTORULES_HTTP_PORT");
  serve_cmd->add_flag("--demo", demo, "load every app with its demo data (once)")
      ->envname("AUTORULES_DEMO");
  serve_cmd->add_option("--modules", modules, "apps to load without demo data, e.g. sale,crm")
      ->envname("AUTORULES_MODULES");
  serve_cmd
      ->add_option("--workers", options.workers, "request threads (0: twice the cores, at least 8)")
      ->capture_default_str()
      ->envname("AUTORULES_WORKERS");
  serve_cmd->add_option("--max-body-size", max_body, "largest request body, e.g. 16M")
      ->capture_default_str()
      ->envname("AUTORULES_MAX_BODY_SIZE");
  serve_cmd
      ->add_option("--http-header-timeout", options.http_header_timeout,
                   "seconds a client has to send a whole request header")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->envname("AUTORULES_HTTP_HEADER_TIMEOUT");
  serve_cmd
      ->add_option("--max-connections", options.max_connections,
                   "open HTTP connections at most; beyond, new ones are closed at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000))
      ->envname("AUTORULES_MAX_CONNECTIONS");
  serve_cmd
      ->add_option("--web-root", options.web_root,
                   "the built web interface (default web/dist, or share/autorules/web)")
      ->envname("AUTORULES_WEB_ROOT");
  serve_cmd
      ->add_flag("--proxy-mode", options.proxy_mode,
                 "behind a reverse proxy: the client's address is the last of X-Forwarded-For")
      ->envname("AUTORULES_PROXY_MODE");
  std::size_t write_group = orm::kMaxGroupSize;
  serve_cmd
      ->add_option("--write-group", write_group,
                   "most concurrent writes sharing one transaction (group commit; 1: off)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, orm::kMaxGroupSize))
      ->envname("AUTORULES_WRITE_GROUP");
  serve_cmd->add_option("--script-timeout", script_timeout, "seconds a piece of user code may run")
      ->capture_default_str()
      ->envname("AUTORULES_SCRIPT_TIMEOUT");
  serve_cmd->add_option("--cron-poll", cron_poll, "seconds between scheduler checks")
      ->capture_default_str()
      ->envname("AUTORULES_CRON_POLL");
  serve_cmd
      ->add_option("--delivery-retry-base", retry_base,
                   "first retry delay of outgoing messages (s)")
      ->capture_default_str()
      ->envname("AUTORULES_DELIVERY_RETRY_BASE");
  serve_cmd
      ->add_option("--delivery-max-attempts", max_attempts, "attempts before a message is dead")
      ->capture_default_str()
      ->envname("AUTORULES_DELIVERY_MAX_ATTEMPTS");
  serve_cmd
      ->add_option("--delivery-timeout", delivery_timeout, "timeout of one delivery attempt (s)")
      ->capture_default_str()
      ->envname("AUTORULES_DELIVERY_TIMEOUT");

  CLI::App* apikey_cmd = app.add_subcommand("apikey", "manage API keys");
  apikey_cmd->require_subcommand(1);
  CLI::App* apikey_new_cmd =
      apikey_cmd->add_subcommand("new", "create an API key and print it once");
  add_common(apikey_new_cmd);
  std::string login, key_name = "created with autorules apikey new";
  int days = 0;
  apikey_new_cmd->add_option("--user", login, "the user's login")->required();
  apikey_new_cmd->add_option("--name", key_name, "what the key is for");
  // A key "expiring" in 0 or -5 days must not be a key that never expires.
  apikey_new_cmd
      ->add_option("--days", days, "days until the key expires, 1 to 36500 (default: never)")
      ->check(CLI::Range(1, 36500));

  CLI::App* user_cmd = app.add_subcommand("user", "manage users");
  user_cmd->require_subcommand(1);
  CLI::App* user_password_cmd = user_cmd->add_subcommand(
      "password", "set a user's password, read from stdin (or --hash: an existing hash)");
  add_common(user_password_cmd);
  std::string password_login, password_hash;
  user_password_cmd->add_option("login", password_login, "the user's login")->required();
  user_password_cmd->add_option(
      "--hash", password_hash,
      "store this hash instead: Argon2id, or Odoo's $pbkdf2-sha512$ (users carried over)");

  CLI::App* cron_cmd = app.add_subcommand("cron", "scheduled jobs (ir.cron)");
  cron_cmd->require_subcommand(1);
  CLI::App* cron_run_cmd = cron_cmd->add_subcommand("run", "run the due jobs once and exit");
  add_common(cron_run_cmd);

  CLI::App* mailgate_cmd = app.add_subcommand(
      "mailgate", "route one email read on stdin (exit 0 taken, 75 retry later, 67 no recipient)");
  add_common(mailgate_cmd);
  for (CLI::App* sub : {serve_cmd, cron_run_cmd, mailgate_cmd}) {
    sub->add_option("--smtp-url", c.smtp_url,
                    "SMTP server when no mail server record applies: "
                    "smtp[s]://[user[:password]@]host[:port][?encryption=...]")
        ->envname("AUTORULES_SMTP_URL");
    sub->add_option("--ai-url", c.ai_url,
                    "Update with AI: an OpenAI-compatible API's base URL, e.g. "
                    "https://api.openai.com/v1")
        ->envname("AUTORULES_AI_URL");
    sub->add_option("--ai-key", c.ai_key, "Update with AI: the API's key (sent as a bearer token)")
        ->envname("AUTORULES_AI_KEY");
    sub->add_option("--ai-model", c.ai_model, "Update with AI: the model's name")
        ->envname("AUTORULES_AI_MODEL");
    sub->add_option("--ai-timeout", c.ai_timeout,
                    "Update with AI: seconds one request may take (1-600; default 120)")
        ->envname("AUTORULES_AI_TIMEOUT")
        ->check(CLI::Range(1, 600));
  }

  CLI11_PARSE(app, argc, argv);
  // The log on stderr: stdout has only what a command prints for its user (the start-up message,
  // a new key, the cron summary).
  spdlog::set_default_logger(spdlog::stderr_color_mt("autorules"));
  spdlog::set_level(spdlog::level::from_str(c.log_level));
  try {
    if (serve_cmd->parsed()) {
      auto size = api::parse_size(max_body);
      if (!size || *size == 0)
        throw common::UserError(fmt::format("invalid --max-body-size '{}'", max_body));
      options.max_body_size = *size;
      if (options.web_root.empty())
        options.web_root = default_web_root();
      if (script_timeout <= 0)
        throw common::UserError("--script-timeout must be positive");
      if (cron_poll <= 0)
        throw common::UserError("--cron-poll must be positive");
      if (retry_base <= 0 || delivery_timeout <= 0 || max_attempts < 1)
        throw common::UserError(
            "--delivery-retry-base and --delivery-timeout must be positive, "
            "--delivery-max-attempts at least 1");
      outbox::Options delivery;
      delivery.retry_base = std::chrono::milliseconds(static_cast<long>(retry_base * 1000));
      delivery.timeout = std::chrono::milliseconds(static_cast<long>(delivery_timeout * 1000));
      delivery.max_attempts = max_attempts;
      return serve(c, options, demo, modules, script_timeout, cron_poll, delivery, write_group);
    }
    if (apikey_new_cmd->parsed())
      return apikey_new(c, login, key_name, days);
    if (user_password_cmd->parsed())
      return user_password(c, password_login, password_hash);
    if (cron_run_cmd->parsed())
      return cron_run(c);
    if (mailgate_cmd->parsed())
      return mailgate(c);
  } catch (const common::Error& e) {
    std::cerr << "autorules: " << e.what() << std::endl;
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "autorules: unexpected error: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
