// A real SMTP server for tests: tests/support/smtp_server.py (aiosmtpd) run with /usr/bin/python3
// on 127.0.0.1, started by start() (it returns once the server accepts connections) and stopped
// by stop() or the destructor (SIGTERM, then waiting for the process). Everything it receives is
// read back from its directory: the messages with their envelopes, and the connections it
// accepted. The server also dies with the thread that started it (PR_SET_PDEATHSIG), so that a
// crashed test leaves no server behind. make_certificate() writes a self-signed certificate with
// the openssl command, for STARTTLS and implicit TLS.
//
// Errors: start() and make_certificate() throw std::runtime_error (no python3, the script
// failing, no port printed within 30 s). Thread-safety: one owner; the readers only read files.
#pragma once

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace autorules::test {

// One message the server received.
struct ReceivedMail {
  std::string mail_from;
  std::vector<std::string> rcpt_tos;
  std::string content;    // the bytes after DATA, dot-stuffing undone, CRLF line ends kept
  int session = 0;        // the number of the connection that carried it (1 for the first)
  bool tls = false;       // over STARTTLS or implicit TLS
  std::string auth_user;  // empty without AUTH
};

class SmtpServer {
 public:
  struct Options {
    std::string dir;  // where it writes (created); required
    int port = 0;     // 0: chosen by the system (start() again with the same port to restart)
    std::vector<std::string> replies;      // --reply STAGE:CODE[:COUNT[:TEXT]] (smtp_server.py)
    std::string auth_user, auth_password;  // set: AUTH PLAIN and LOGIN with these
    bool auth_required = false;
    std::string tls_cert, tls_key;  // set: STARTTLS, or implicit TLS with `implicit_tls`
    bool implicit_tls = false;
    bool require_starttls = false;
  };

  explicit SmtpServer(Options options) : options_(std::move(options)) {}
  ~SmtpServer() { stop(); }
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  // Starts the server; throws when it does not print its port within 30 s.
  void start() {
    stop();
    std::filesystem::create_directories(options_.dir);
    std::vector<std::string> args = {
        "/usr/bin/python3", script(),      options_.dir, "--port", std::to_string(options_.port),
        "--control",        control_file()};
    for (const std::string& r : options_.replies)
      args.insert(args.end(), {"--reply", r});
    if (!options_.auth_user.empty())
      args.insert(args.end(),
                  {"--auth-user", options_.auth_user, "--auth-password", options_.auth_password});
    if (options_.auth_required)
      args.emplace_back("--auth-required");
    if (!options_.tls_cert.empty())
      args.insert(args.end(), {"--tls-cert", options_.tls_cert, "--tls-key", options_.tls_key});
    if (options_.implicit_tls)
      args.emplace_back("--implicit-tls");
    if (options_.require_starttls)
      args.emplace_back("--require-starttls");
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);

    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0)
      throw std::runtime_error("smtp_server: pipe failed");
    const pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
      close(out[0]);
      close(out[1]);
      throw std::runtime_error("smtp_server: fork failed");
    }
    if (pid == 0) {
      // The child: only async-signal-safe calls until exec.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent)
        _exit(127);
      dup2(out[1], STDOUT_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(out[1]);
    pid_ = pid;
    stdout_ = out[0];
    std::string line = read_line(std::chrono::seconds(30));
    if (line.empty()) {
      stop();
      throw std::runtime_error("smtp_server: the server did not start (see its stderr)");
    }
    options_.port = std::stoi(line);
  }

  // Stops the server (SIGTERM) and waits for it; nothing when it does not run.
  void stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
    if (stdout_ >= 0) {
      close(stdout_);
      stdout_ = -1;
    }
  }

  bool running() const { return pid_ > 0; }
  int port() const { return options_.port; }
  // smtp://127.0.0.1:PORT, or smtps:// with implicit TLS; `host` instead of 127.0.0.1 if given.
  std::string url(const std::string& host = "127.0.0.1") const {
    return (options_.implicit_tls ? "smtps://" : "smtp://") + host + ":" +
           std::to_string(options_.port);
  }
  const Options& options() const { return options_; }

  // Replaces the replies still to give (smtp_server.py's control file), written to a temporary
  // name and renamed into place.
  void set_replies(const std::vector<std::string>& entries) const {
    std::string tmp = control_file() + ".tmp";
    {
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      for (const std::string& e : entries)
        f << e << "\n";
    }
    std::filesystem::rename(tmp, control_file());
  }

  // The messages received so far, in order of arrival.
  std::vector<ReceivedMail> messages() const {
    std::vector<std::filesystem::path> metas;
    for (const auto& entry : std::filesystem::directory_iterator(options_.dir)) {
      if (entry.path().extension() == ".json")
        metas.push_back(entry.path());
    }
    std::sort(metas.begin(), metas.end());
    std::vector<ReceivedMail> out;
    for (const auto& meta : metas) {
      nlohmann::json j = nlohmann::json::parse(slurp(meta), nullptr, false);
      if (!j.is_object())
        continue;
      ReceivedMail m;
      m.mail_from = j.value("mail_from", std::string());
      for (const auto& r : j.value("rcpt_tos", nlohmann::json::array()))
        m.rcpt_tos.push_back(r.get<std::string>());
      m.session = j.value("session", 0);
      m.tls = j.value("tls", false);
      if (j.contains("auth_user") && j["auth_user"].is_string())
        m.auth_user = j["auth_user"].get<std::string>();
      std::filesystem::path eml = meta;
      m.content = slurp(eml.replace_extension(".eml"));
      out.push_back(std::move(m));
    }
    return out;
  }

  // The connections accepted so far (the server's own start-up check not counted), and the
  // greeting code each got.
  std::vector<int> connections() const {
    std::vector<int> greetings;
    std::ifstream f(std::filesystem::path(options_.dir) / "connections.jsonl");
    std::string line;
    while (std::getline(f, line)) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object())
        greetings.push_back(j.value("greeting", 0));
    }
    return greetings;
  }

  // Waits until `n` messages have arrived; false if they have not within `within`.
  bool wait_for_messages(size_t n,
                         std::chrono::milliseconds within = std::chrono::seconds(10)) const {
    auto deadline = std::chrono::steady_clock::now() + within;
    while (messages().size() < n) {
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // Writes a self-signed certificate for `name` (as its CN and a DNS subject alternative name)
  // and its key (P-256) to `cert` and `key`, with the openssl command.
  static void make_certificate(const std::string& cert, const std::string& key,
                               const std::string& name = "localhost") {
    std::vector<std::string> args = {"openssl",
                                     "req",
                                     "-x509",
                                     "-newkey",
                                     "ec",
                                     "-pkeyopt",
                                     "ec_paramgen_curve:prime256v1",
                                     "-nodes",
                                     "-days",
                                     "2",
                                     "-subj",
                                     "/CN=" + name,
                                     "-addext",
                                     "subjectAltName=DNS:" + name,
                                     "-keyout",
                                     key,
                                     "-out",
                                     cert};
    std::vector<char*> argv;
    for (std::string& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = fork();
    if (pid < 0)
      throw std::runtime_error("make_certificate: fork failed");
    if (pid == 0) {
      int null = open("/dev/null", O_WRONLY);
      if (null >= 0) {
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
      }
      execvp(argv[0], argv.data());
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
      throw std::runtime_error("make_certificate: openssl req failed");
  }

 private:
  static std::string script() { return AUTORULES_SOURCE_DIR "/tests/support/smtp_server.py"; }
  std::string control_file() const {
    return (std::filesystem::path(options_.dir) / "control.txt").string();
  }

  static std::string slurp(const std::filesystem::path& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
  }

  // One line from the server's stdout, without its line end; "" at end of file or after
  // `within`.
  std::string read_line(std::chrono::milliseconds within) const {
    std::string line;
    auto deadline = std::chrono::steady_clock::now() + within;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return "";
      pollfd p{stdout_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char c = 0;
      if (read(stdout_, &c, 1) != 1)
        return "";
      if (c == '\n')
        return line;
      line += c;
    }
  }

  Options options_;
  pid_t pid_ = -1;
  int stdout_ = -1;
};

}  // namespace autorules::test
