// Emails per second handed to an SMTP server, by the outbox against a bare libcurl client, in
// one process so that nothing else is measured:
//   smtp_bench sink N ROUNDS
//     (a) a bare libcurl SMTP client sends N messages one after the other on one kept-alive
//         connection (one easy handle, curl_easy_perform per message) to a minimal SMTP server
//         in this process (the sink below, which answers every command at once);
//     (b) the same N messages through outbox::enqueue (one transaction, committed) and a running
//         dispatcher, to the same sink, from the first enqueue to the last message received;
//     (c) the dispatcher alone: N messages committed before it starts, from its start to the
//         last message received (outbox_bench's (c), for emails).
//     (b) and (c) run twice: with the dispatcher limited to one connection (as the bare client)
//     and with its default of 8 per host. Rounds alternate them with (a); prints one line
//     "A B1 B8 C1 C8 B1/A B8/A C1/A C8/A QUEUED": the medians in emails per second, the medians
//     of the rounds' paired ratios (the machine's drift cancels out of each pair), and the
//     median rate of the enqueue calls and their commit alone (a part of (b)'s time).
//   smtp_bench server URL N
//     (a) alone against another server (e.g. tests/support/smtp_server.py): prints its rate, to
//     see whether that server would be the bottleneck.
//
// The sink and the bare client are in smtp_sink.h (mail_bench uses them too).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <curl/curl.h>

#include "common/clock.h"
#include "orm/env.h"
#include "orm/runtime.h"
#include "outbox/outbox.h"
#include "smtp_sink.h"
#include "store/database.h"

namespace {

namespace orm = autorules::orm;
namespace outbox = autorules::outbox;
namespace store = autorules::store;
using autorules::bench::bare_round;
using autorules::bench::Clock;
using autorules::bench::message_of;
using autorules::bench::Sink;

struct Fixture {
  std::filesystem::path dir;
  std::unique_ptr<orm::Runtime> runtime;

  Fixture() {
    dir = std::filesystem::temp_directory_path() / "autorules-bench-smtp";
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
};

// The bodies of messages `first` .. `first + n - 1`.
std::vector<std::string> bodies_of(long first, long n) {
  std::vector<std::string> bodies;
  for (long i = first; i < first + n; ++i)
    bodies.push_back(message_of(i));
  return bodies;
}

// Queues `bodies` (messages `first`...) in one transaction and commits it.
void queue(Fixture& fx, const Sink& sink, long first, std::vector<std::string> bodies) {
  const long n = static_cast<long>(bodies.size());
  orm::Env env = orm::Env::begin(*fx.runtime, orm::kSuperuserId, store::Access::kWrite);
  for (long i = 0; i < n; ++i) {
    outbox::Message m;
    m.kind = "email";
    m.name = "bench";
    m.url = sink.url();
    m.mail_from = "sales@example.com";
    m.recipients = {"customer@example.org"};
    m.body = std::move(bodies[static_cast<size_t>(i)]);
    m.res_model = "mail.mail";
    m.res_id = first + i;
    outbox::enqueue(env, m);
  }
  env.commit();
}

// (b) with `queue_first` false: N messages queued in one transaction with a running dispatcher,
// from the first enqueue to the last message received; `queued` receives the rate of the
// enqueue calls and the commit alone. (c) with `queue_first`: N messages committed, then the
// dispatcher started, from its start to the last message received. Returns emails per second,
// 0 when they did not all arrive.
double outbox_round(Fixture& fx, Sink& sink, long n, long connections, bool queue_first,
                    double& queued) {
  outbox::Options options;
  options.max_per_host = connections;
  const long before = sink.count();
  // The bodies are made before the clock starts, as the bare client's are.
  std::vector<std::string> bodies = bodies_of(before, n);
  if (queue_first)
    queue(fx, sink, before, std::move(bodies));
  outbox::Dispatcher dispatcher(*fx.runtime, options);
  Clock::time_point t0;
  if (queue_first) {
    t0 = Clock::now();
    dispatcher.start();
  } else {
    dispatcher.start();
    t0 = Clock::now();
    queue(fx, sink, before, std::move(bodies));
    queued = static_cast<double>(n) / std::chrono::duration<double>(Clock::now() - t0).count();
  }
  if (!sink.wait_for(before + n)) {
    std::fprintf(stderr, "smtp_bench: %ld of %ld messages delivered\n", sink.count() - before, n);
    return 0;
  }
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  dispatcher.stop();  // records the last attempts, not timed
  return static_cast<double>(n) / s;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

int with_sink(long n, int rounds) {
  Sink sink;
  Fixture fx;
  // Per kind of round: the rates, and the ratios to the bare round of the same round.
  std::vector<double> bare, queued;
  std::vector<double> rate[4], ratio[4];  // B1 B8 C1 C8
  for (int r = 0; r < rounds; ++r) {
    double a = bare_round(sink.url(), n);
    if (a == 0) {
      std::fprintf(stderr, "smtp_bench: round %d: the bare client failed\n", r);
      return 1;
    }
    bare.push_back(a);
    for (int k = 0; k < 4; ++k) {
      double q = 0;
      double b = outbox_round(fx, sink, n, k % 2 ? 8 : 1, k >= 2, q);
      if (b == 0)
        return 1;
      if (k < 2)
        queued.push_back(q);
      rate[k].push_back(b);
      ratio[k].push_back(b / a);
    }
  }
  std::printf("%.0f %.0f %.0f %.0f %.0f %.2f %.2f %.2f %.2f %.0f\n", median(bare), median(rate[0]),
              median(rate[1]), median(rate[2]), median(rate[3]), median(ratio[0]), median(ratio[1]),
              median(ratio[2]), median(ratio[3]), median(queued));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  std::string what = argc > 1 ? argv[1] : "";
  if (what == "sink" && argc == 4)
    return with_sink(std::stol(argv[2]), std::stoi(argv[3]));
  if (what == "server" && argc == 4) {
    double a = bare_round(argv[2], std::stol(argv[3]));
    std::printf("%.0f\n", a);
    return a > 0 ? 0 : 1;
  }
  std::fprintf(stderr,
               "usage: smtp_bench sink N ROUNDS\n"
               "       smtp_bench server URL N\n");
  return 2;
}
