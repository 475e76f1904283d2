// The outbox's figures (issue "webhooks", bench/run webhooks), in one process so that nothing but
// the dispatcher is measured:
//   outbox_bench deliveries RECEIVER_URL COUNT_URL N ROUNDS
//     (c) N committed messages delivered by the dispatcher to a receiver that answers at once,
//         from the wake-up to the last one received, against a bare libcurl multi client posting
//         the same bodies to the same receiver with the same connection limit (8 per host).
//         Rounds alternate the two; prints "OURS BARE RATIO": the medians (deliveries per second)
//         and the median of the rounds' ratios.
//   outbox_bench latency N
//     (d) N messages at 100 per second, each committed in its own transaction with the
//         dispatcher running, to a receiver in this process; the time from the commit to the
//         receiver having the body, counted from the call to commit() and from its return,
//         against one bare POST round trip on a kept-alive connection to the same receiver, at
//         the same pace and back to back, and the paced POST's time from the call to the
//         receiver having the body. Prints
//         "FROM_CALL FROM_RETURN RTT_PACED RTT_BACK_TO_BACK ONE_WAY_PACED DELIVERED" (medians, µs).
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <curl/curl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bare_http_client.h"
#include "common/clock.h"
#include "http_sink.h"
#include "orm/env.h"
#include "orm/runtime.h"
#include "outbox/outbox.h"
#include "store/database.h"

namespace {

namespace orm = autorules::orm;
namespace outbox = autorules::outbox;
namespace store = autorules::store;
using autorules::bench::Receiver;
using Clock = std::chrono::steady_clock;

size_t discard(char*, size_t size, size_t n, void*) {
  return size * n;
}
size_t keep(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

std::string body_of(long i) {
  return "{\"_action\": \"Notify(#1)\", \"_id\": " + std::to_string(i) +
         ", \"_model\": \"res.partner\", \"id\": " + std::to_string(i) + ", \"name\": \"Bench " +
         std::to_string(i) + "\"}";
}

// The receiver's count of bodies received (GET COUNT_URL), on a kept-alive easy handle.
struct Counter {
  CURL* easy = curl_easy_init();
  std::string text;
  explicit Counter(const std::string& url) {
    curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, keep);
    curl_easy_setopt(easy, CURLOPT_WRITEDATA, &text);
  }
  ~Counter() { curl_easy_cleanup(easy); }
  long get() {
    text.clear();
    if (curl_easy_perform(easy) != CURLE_OK)
      return -1;
    return std::stol(text);
  }
  // Waits until the count reaches `target`; false after 60 s.
  bool wait_for(long target) {
    auto deadline = Clock::now() + std::chrono::seconds(60);
    while (get() < target) {
      if (Clock::now() > deadline)
        return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
  }
};

// The bare limit (bare_http_client.h): the same bodies and headers; nothing recorded.
double bare_round(const std::string& url, long n) {
  std::vector<autorules::bench::BareRequest> requests;
  for (long i = 0; i < n; ++i) {
    requests.push_back({url,
                        body_of(i),
                        {"Content-Type: application/json",
                         "Idempotency-Key: 00000000-0000-4000-8000-000000000000"}});
  }
  return autorules::bench::bare_http_round(requests, 200);
}

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<orm::Runtime> runtime;

  explicit Fixture(const std::string& name) {
    dir = std::filesystem::temp_directory_path() / ("autorules-bench-outbox-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    runtime = std::make_unique<orm::Runtime>(
        store::Database::open("sqlite:" + (dir / "bench.db").string() + "?synchronous=normal"),
        autorules::common::SystemClock::instance());
    outbox::install(*runtime);
    runtime->initialize();
  }
  ~Fixture() {
    runtime.reset();
    std::filesystem::remove_all(dir);
  }

  void enqueue(const std::string& url, long first, long n) {
    orm::Env env = orm::Env::begin(*runtime, orm::kSuperuserId, store::Access::kWrite);
    for (long i = first; i < first + n; ++i) {
      outbox::Message m;
      m.name = "bench";
      m.url = url;
      m.body = body_of(i);
      m.res_model = "res.partner";
      m.res_id = i;
      outbox::enqueue(env, m);
    }
    env.commit();
  }
};

int deliveries(const std::string& url, const std::string& count_url, long n, int rounds) {
  Counter counter(count_url);
  Fixture fx("deliveries");
  std::vector<double> ours, bare;
  for (int r = 0; r < rounds; ++r) {
    bare.push_back(bare_round(url, n));
    // Committed while no dispatcher runs, so that the round times the dispatcher alone, from its
    // start to the last message received; it stops (recording what it sent) before the next.
    fx.enqueue(url, n * r, n);
    long before = counter.get();
    auto t0 = Clock::now();
    outbox::Dispatcher dispatcher(*fx.runtime, outbox::Options{});
    dispatcher.start();
    if (!counter.wait_for(before + n)) {
      std::fprintf(stderr, "outbox_bench: round %d: %ld of %ld messages delivered\n", r,
                   counter.get() - before, n);
      return 1;
    }
    ours.push_back(static_cast<double>(n) /
                   std::chrono::duration<double>(Clock::now() - t0).count());
  }
  // The ratio of each round's pair (bare, then ours at once after it): the machine's drift, which
  // moves the bare client's rate by more than the figure, cancels out of each pair.
  std::vector<double> paired;
  for (size_t i = 0; i < ours.size(); ++i)
    paired.push_back(ours[i] / bare[i]);
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  };
  std::printf("%.0f %.0f %.2f\n", median(ours), median(bare), median(paired));
  return 0;
}

int latency(long n) {
  std::mutex mu;
  std::map<std::string, Clock::time_point> arrivals;
  Receiver receiver([&](const std::string& body, Clock::time_point at) {
    std::lock_guard g(mu);
    arrivals.emplace(body, at);
  });
  int port = receiver.port();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/hook";

  Fixture fx("latency");
  outbox::Dispatcher dispatcher(*fx.runtime, outbox::Options{});
  dispatcher.start();
  std::map<std::string, std::pair<Clock::time_point, Clock::time_point>> committed;  // commit call
  for (long i = 0; i < n; ++i) {
    auto start = Clock::now();
    orm::Env env = orm::Env::begin(*fx.runtime, orm::kSuperuserId, store::Access::kWrite);
    outbox::Message m;
    m.url = url;
    m.body = "{\"name\": \"Latency " + std::to_string(i) + "\"}";
    outbox::enqueue(env, m);
    auto before_commit = Clock::now();
    env.commit();
    committed[m.body] = {before_commit, Clock::now()};
    std::this_thread::sleep_until(start + std::chrono::milliseconds(10));
  }
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    std::lock_guard g(mu);
    if (arrivals.size() >= static_cast<size_t>(n))
      break;
  }
  std::vector<double> lat, lat_end;
  {
    std::lock_guard g(mu);
    for (const auto& [body, t] : committed) {
      if (auto it = arrivals.find(body); it != arrivals.end()) {
        lat.push_back(std::chrono::duration<double, std::micro>(it->second - t.first).count());
        lat_end.push_back(std::chrono::duration<double, std::micro>(it->second - t.second).count());
      }
    }
  }
  dispatcher.stop();

  // One bare POST round trip on a kept-alive connection, as the dispatcher's.
  CURL* easy = curl_easy_init();
  curl_slist* h = curl_slist_append(nullptr, "Content-Type: application/json");
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
  // At the same pace as the messages (each one wakes an idle client and an idle receiver, as a
  // message does), and back to back (both already awake).
  // Also, for the paced ones, the time from the call to the receiver having the body: the bare
  // counterpart of a delivery's commit-to-arrival.
  std::vector<double> one_way;
  auto round_trips = [&](std::chrono::milliseconds pause, const std::string& tag) {
    std::vector<double> rtt;
    for (long i = 0; i < n; ++i) {
      std::string body = "{\"name\": \"bare " + tag + std::to_string(i) + "\"}";
      curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, body.c_str());
      auto t = Clock::now();
      curl_easy_perform(easy);
      rtt.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
      if (pause.count()) {
        std::lock_guard g(mu);
        if (auto it = arrivals.find(body); it != arrivals.end())
          one_way.push_back(std::chrono::duration<double, std::micro>(it->second - t).count());
      }
      std::this_thread::sleep_for(pause);
    }
    std::sort(rtt.begin(), rtt.end());
    return rtt[rtt.size() / 2];
  };
  double paced = round_trips(std::chrono::milliseconds(10), "paced ");
  double back_to_back = round_trips(std::chrono::milliseconds(0), "");
  std::sort(one_way.begin(), one_way.end());
  curl_slist_free_all(h);
  curl_easy_cleanup(easy);
  if (lat.empty()) {
    std::fprintf(stderr, "outbox_bench: nothing was delivered\n");
    return 1;
  }
  std::sort(lat.begin(), lat.end());
  std::sort(lat_end.begin(), lat_end.end());
  std::printf("%.0f %.0f %.0f %.0f %.0f %zu\n", lat[lat.size() / 2], lat_end[lat_end.size() / 2],
              paced, back_to_back, one_way.empty() ? 0.0 : one_way[one_way.size() / 2], lat.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::string what = argc > 1 ? argv[1] : "";
  if (what == "deliveries" && argc == 6)
    return deliveries(argv[2], argv[3], std::stol(argv[4]), std::stoi(argv[5]));
  if (what == "latency" && argc == 3)
    return latency(std::stol(argv[2]));
  std::fprintf(stderr,
               "usage: outbox_bench deliveries RECEIVER_URL COUNT_URL N ROUNDS\n"
               "       outbox_bench latency N\n");
  return 2;
}
