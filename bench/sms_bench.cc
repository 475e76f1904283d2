// Text messages (docs/sms.md) against a limit measured in the same process, in one run:
//   sms_bench N ROUNDS
//     (a) a bare libcurl multi client (8 connections, up to 256 transfers in flight, as the
//         outbox) posts N Twilio Messages API requests — the very requests the outbox sends:
//         form bodies, basic authentication — to a receiver in this process that answers each
//         as Twilio does (201 and a message resource with its sid);
//     (b) N sms.sms queued by Send SMS (send_sms_template over N contacts, committed while no
//         dispatcher runs), then a dispatcher (the options `serve` uses) started: from its start
//         until the dispatcher has recorded every answer (each sms.sms `sent` with Twilio's sid,
//         written by the outcome handler in the recording's transaction; checked after);
//     (c) send_sms_template itself over the N contacts and its commit (the template rendered in
//         the sandbox, each number read to E.164, N sms.sms and N outbox rows written).
//   Rounds alternate (a) and (b); prints "A B B/A C": A and B in messages per second (medians),
//   B/A the median of the rounds' paired ratios, C in messages per second (median).
//
// The database is a temporary SQLite file at synchronous=normal, as the other benchmarks'.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <fmt/format.h>

#include "api/runtime.h"
#include "bare_http_client.h"
#include "common/json.h"
#include "domain/domain.h"
#include "http_sink.h"
#include "mail/internal/sms_provider.h"
#include "mail/sms.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "outbox/outbox.h"

namespace {

namespace api = autorules::api;
namespace mail = autorules::mail;
namespace orm = autorules::orm;
namespace outbox = autorules::outbox;
namespace store = autorules::store;
using autorules::bench::Clock;
using autorules::bench::Receiver;
using autorules::common::Id;
using autorules::common::IdList;
using autorules::common::Json;

constexpr const char* kSid = "AC0123456789abcdef0123456789abcdef";
constexpr const char* kToken = "bench-auth-token";

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Twilio's answer to a created message: 201 and the resource (its sid unique per message).
std::string twilio_answer() {
  static std::atomic<long> next{0};
  std::string body = fmt::format(
      R"({{"sid": "SM{:032x}", "account_sid": "{}", "status": "queued", "num_segments": "1"}})",
      next++, kSid);
  return fmt::format(
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
      body.size(), body);
}

mail::internal::SmsProvider provider(const std::string& base) {
  mail::internal::SmsProvider p;
  p.name = "bench";
  p.kind = "twilio";
  p.api_url = base;
  p.account_sid = kSid;
  p.auth_token = kToken;
  p.from = "+15005550006";
  return p;
}

// (a): the same requests as the outbox's, from a bare multi handle; nothing recorded.
double bare_round(const std::string& base, long n) {
  std::vector<outbox::Message> requests;
  for (long i = 0; i < n; ++i) {
    requests.push_back(mail::internal::sms_request(
        provider(base), fmt::format("+3247512{:04d}", i % 10000),
        fmt::format("Hello Contact {}, your order is ready.", i),
        "00000000-0000-4000-8000-000000000000",
        "http://127.0.0.1:8069/sms/twilio/status/1?ref=00000000-0000-4000-8000-000000000000"));
  }
  std::vector<autorules::bench::BareRequest> bare;
  for (const outbox::Message& m : requests) {
    bare.push_back({m.url,
                    m.body,
                    {"Content-Type: " + m.content_type,
                     m.idempotency_header + ": 00000000-0000-4000-8000-000000000000",
                     "Authorization: " + m.authorization}});
  }
  return autorules::bench::bare_http_round(bare, 201);
}

std::int64_t sent_count(orm::Runtime& rt) {
  orm::Env e = orm::Env::begin(rt, orm::kSuperuserId, store::Access::kRead);
  return e.cr().scalar("SELECT COUNT(*) FROM \"sms_sms\" WHERE \"state\" = 'sent'").as_int();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: sms_bench N ROUNDS\n");
    return 2;
  }
  const long n = std::atol(argv[1]);
  const int rounds = std::atoi(argv[2]);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  Receiver receiver([](const std::string&, Clock::time_point) {},
                    [](const std::string&) { return twilio_answer(); });
  const std::string base = fmt::format("http://127.0.0.1:{}", receiver.port());

  std::filesystem::path dir = std::filesystem::temp_directory_path() / "autorules-bench-sms";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  int rc = 0;
  {
    api::RuntimeOptions options;
    options.database = "sqlite:" + (dir / "sms.db").string() + "?synchronous=normal";
    std::unique_ptr<orm::Runtime> rt = api::make_runtime(options);
    Id tmpl = 0;
    IdList contacts;
    {
      orm::Env e = orm::Env::begin(*rt, orm::kSuperuserId, store::Access::kWrite).sudo();
      e["sms.provider"].create(Json{{"name", "Twilio"},
                                    {"provider", "twilio"},
                                    {"api_url", base},
                                    {"twilio_account_sid", kSid},
                                    {"twilio_auth_token", kToken},
                                    {"twilio_from", "+15005550006"}});
      Id model = e["ir.model"]
                     .search(autorules::domain::Domain::term("model", autorules::domain::Op::kEq,
                                                             "res.partner"))
                     .id();
      tmpl = e["sms.template"]
                 .create(Json{{"name", "Ready"},
                              {"model_id", model},
                              {"body", "Hello {{ object.name }}, your order is ready."}})
                 .id();
      Json vals = Json::array();
      for (long i = 0; i < n; ++i) {
        vals.push_back(
            Json{{"name", fmt::format("Contact {}", i)},
                 {"mobile", fmt::format("+32 475 12 {:02d} {:02d}", i / 100 % 100, i % 100)}});
      }
      contacts = e["res.partner"].create(vals).ids();
      e.commit();
    }
    std::vector<double> bare, ours, queued, paired;
    for (int r = 0; r < rounds && rc == 0; ++r) {
      double a = bare_round(base, n);
      // (c), committed while no dispatcher runs; then (b) times the dispatcher alone.
      std::int64_t before = sent_count(*rt);
      std::uint64_t delivered_before = outbox::delivery_counts(*rt).delivered;
      auto t0 = Clock::now();
      {
        orm::Env e = orm::Env::begin(*rt, orm::kSuperuserId, store::Access::kWrite).sudo();
        mail::send_sms_template(e["sms.template"].browse({tmpl}), e["res.partner"].browse(contacts),
                                mail::SmsMethod::kSms);
        e.commit();
      }
      queued.push_back(static_cast<double>(n) /
                       std::chrono::duration<double>(Clock::now() - t0).count());
      auto t1 = Clock::now();
      outbox::Dispatcher dispatcher(*rt, outbox::Options{});
      dispatcher.start();
      // The dispatcher counts an attempt once its recording (with the outcome handler's writes)
      // committed: no query polls the database while it works.
      auto deadline = t1 + std::chrono::seconds(120);
      while (outbox::delivery_counts(*rt).delivered <
                 delivered_before + static_cast<std::uint64_t>(n) &&
             Clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::microseconds(500));
      }
      double b = static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t1).count();
      dispatcher.stop();
      if (sent_count(*rt) != before + n) {
        std::fprintf(stderr, "sms_bench: round %d: %lld of %ld messages sent\n", r,
                     static_cast<long long>(sent_count(*rt) - before), n);
        rc = 1;
      }
      if (a <= 0) {
        std::fprintf(stderr, "sms_bench: round %d: the bare client's requests failed\n", r);
        rc = 1;
      }
      bare.push_back(a);
      ours.push_back(b);
      paired.push_back(a > 0 ? b / a : 0);
    }
    if (rc == 0) {
      std::printf("%.0f %.0f %.2f %.0f\n", median(bare), median(ours), median(paired),
                  median(queued));
    }
  }
  std::filesystem::remove_all(dir);
  curl_global_cleanup();
  return rc;
}
