// The bare limit of the server benchmarks: the least a server can do for one JSON-2 create or
// write — accept the same HTTP request on cpp-httplib, parse its JSON body, and INSERT (create)
// or UPDATE (write: vals.name of ids[0]) in SQLite in their own transaction, with the same
// pragmas as autorules. No auth, no ORM, no validation.
//   bare_server PATH.db PORT [synchronous]
#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "store/sqlite/sqlite_database.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bare_server PATH.db PORT [synchronous]\n");
    return 2;
  }
  std::string sync = argc > 3 ? argv[3] : "full";
  sqlite3* db = nullptr;
  if (sqlite3_open(argv[1], &db) != SQLITE_OK)
    return 1;
  std::string pragmas = autorules::store::sqlite::connection_pragmas(sync);
  sqlite3_exec(db, pragmas.c_str(), nullptr, nullptr, nullptr);
  sqlite3_exec(db,
               "CREATE TABLE IF NOT EXISTS res_partner (id INTEGER PRIMARY KEY AUTOINCREMENT, "
               "name TEXT, email TEXT, phone TEXT, city TEXT, customer_rank INTEGER)",
               nullptr, nullptr, nullptr);
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db,
                     "INSERT INTO res_partner (name, email, phone, city, customer_rank) VALUES "
                     "(?, ?, ?, ?, ?) RETURNING id",
                     -1, &insert, nullptr);
  sqlite3_stmt* update = nullptr;
  sqlite3_prepare_v2(db, "UPDATE res_partner SET name = ? WHERE id = ?", -1, &update, nullptr);
  std::mutex mu;  // one writer, as SQLite has

  httplib::Server server;
  server.set_keep_alive_max_count(1000);
  server.set_tcp_nodelay(true);  // as autorules does
  // Enough threads that the clients' keep-alive connections never starve a new one (the
  // benchmarks' own /count requests).
  server.new_task_queue = [] { return new httplib::ThreadPool(32); };
  server.Post(R"(/json/2/([^/]+)/([^/]+))", [&](const httplib::Request& req,
                                                httplib::Response& res) {
    nlohmann::json body = nlohmann::json::parse(req.body);
    if (req.matches[2] == "write") {
      std::string name = body["vals"].value("name", "");
      {
        std::lock_guard g(mu);
        sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
        sqlite3_bind_text(update, 1, name.c_str(), static_cast<int>(name.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(update, 2, body["ids"][0].get<long long>());
        sqlite3_step(update);
        sqlite3_reset(update);
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
      }
      res.set_content("true", "application/json");
      return;
    }
    const nlohmann::json& v = body["vals_list"][0];
    long long id = 0;
    {
      std::lock_guard g(mu);
      sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      int i = 1;
      for (const char* f : {"name", "email", "phone", "city"}) {
        std::string s = v.value(f, "");
        sqlite3_bind_text(insert, i++, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
      sqlite3_bind_int64(insert, 5, v.value("customer_rank", 0));
      if (sqlite3_step(insert) == SQLITE_ROW)
        id = sqlite3_column_int64(insert, 0);
      sqlite3_reset(insert);
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
    }
    res.set_content(nlohmann::json::array({id}).dump(), "application/json");
  });
  // The bare webhook handler (issue "webhooks", benchmark (a)) and a receiver that answers at
  // once and counts what it got (benchmark (c)).
  std::atomic<long> received{0};
  server.Post(R"(/web/hook/([^/]+))", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\": \"ok\"}", "application/json");
  });
  server.Post("/hook", [&](const httplib::Request&, httplib::Response& res) {
    ++received;
    res.set_content("{}", "application/json");
  });
  server.Get("/count", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(std::to_string(received.load()), "text/plain");
  });
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("{\"status\": \"pass\"}", "application/json");
  });
  // As autorules: SO_REUSEADDR, and a listen backlog raised from cpp-httplib's 5, which a burst of
  // new connections overflows (each dropped one waits a one-second SYN retransmission).
  int listening = -1;
  server.set_socket_options([&](socket_t sock) {
    listening = sock;
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  if (!server.bind_to_port("127.0.0.1", std::stoi(argv[2])))
    return 1;
  ::listen(listening, SOMAXCONN);
  std::printf("bare server on 127.0.0.1:%s\n", argv[2]);
  std::fflush(stdout);
  server.listen_after_bind();
  sqlite3_finalize(insert);
  sqlite3_finalize(update);
  sqlite3_close(db);
  return 0;
}
