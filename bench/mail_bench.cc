// The mail layer (docs/mail.md) against limits measured in the same process, in one run:
//   mail_bench N ROUNDS [M]
//     (a) a bare libcurl SMTP client sends N messages one after the other on one kept-alive
//         connection to the SMTP sink of smtp_sink.h (in this process), as smtp_bench's (a);
//     (b) N comments posted with message_post, each in its own transaction (as N JSON-2 calls),
//         each notifying one follower by email (a mail.mail, its MIME built, queued in the
//         outbox), with a running dispatcher (its default options, as `serve` runs it) sending
//         them to the same sink, from the first post to the last message received;
//     (c) mail::process_inbound, and its commit, of a typical reply (a 4 KB multipart/alternative
//         email whose In-Reply-To names a message posted on a record, which notifies that
//         record's other follower by email) — what `autorules mailgate` does once its runtime is
//         open — against a bare GMime parse of the same bytes (g_mime_parser_construct_message)
//         plus one write of one field of one record in its own transaction (a JSON-2 write
//         without HTTP), M of each per round;
//     (d) M creates of a contact (each in its own transaction) that fire an on_create rule whose
//         Send Email action posts a template as a comment to 3 partners with addresses (they
//         become the record's followers; 3 emails queued) against M plain creates of the same
//         model in a database without the rule. No dispatcher runs: (b) measures sending.
//   Rounds alternate the four; prints one line
//     "A B B/A POSTED PARSE WRITE GATE GATE/(PARSE+WRITE) PLAIN RULE RULE/PLAIN"
//   with A and B in emails per second, POSTED the rate of (b)'s posts and their commits alone
//   (emails per second), PARSE, WRITE and GATE in microseconds per message, PLAIN and RULE in
//   creates per second: the medians of the rounds, and for each ratio the median of the rounds'
//   paired ratios (the machine's drift cancels out of each pair).
//
// Every database is a temporary SQLite file at synchronous=normal, so that fsync does not hide
// the engine's cost (bench/run's automation figures do the same).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <curl/curl.h>
#include <fmt/format.h>
#include <gmime/gmime.h>

#include "api/runtime.h"
#include "common/json.h"
#include "domain/domain.h"
#include "mail/inbound.h"
#include "mail/thread.h"
#include "orm/env.h"
#include "orm/recordset.h"
#include "orm/runtime.h"
#include "outbox/outbox.h"
#include "smtp_sink.h"

namespace {

namespace api = autorules::api;
namespace mail = autorules::mail;
namespace orm = autorules::orm;
namespace outbox = autorules::outbox;
namespace store = autorules::store;
using autorules::bench::bare_round;
using autorules::bench::Clock;
using autorules::bench::Sink;
using autorules::common::Id;
using autorules::common::IdList;
using autorules::common::Json;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// A temporary directory for the databases, removed at the end.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() / "autorules-bench-mail";
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// The whole engine (api::make_runtime) on its own database, sending through the sink when no
// ir.mail_server applies (--smtp-url).
std::unique_ptr<orm::Runtime> runtime_on(const TempDir& dir, const std::string& name,
                                         const Sink& sink) {
  api::RuntimeOptions options;
  options.database = "sqlite:" + (dir.path / (name + ".db")).string() + "?synchronous=normal";
  options.mail.smtp_url = sink.url();
  return api::make_runtime(options);
}

orm::Env admin(orm::Runtime& rt) {
  return orm::Env::begin(rt, orm::kAdminId, store::Access::kWrite);
}
orm::Env superuser(orm::Runtime& rt) {
  return orm::Env::begin(rt, orm::kSuperuserId, store::Access::kWrite).sudo();
}

// The admin, who posts, gets an address (a message needs a sender's).
Id give_admin_an_address(orm::Runtime& rt) {
  orm::Env e = superuser(rt);
  Id partner = e["res.users"].browse({orm::kAdminId}).get("partner_id").as_int();
  e["res.partner"].browse({partner}).write(Json{{"email", "admin@example.com"}});
  e.commit();
  return partner;
}

// `count` records (contacts, a mail thread), each followed by its own customer with an address.
struct Threads {
  IdList records, customers;
};
Threads make_threads(orm::Runtime& rt, int count) {
  Threads t;
  orm::Env e = superuser(rt);
  for (int i = 0; i < count; ++i) {
    Id customer = e["res.partner"]
                      .create(Json{{"name", fmt::format("Customer {}", i)},
                                   {"email", fmt::format("customer{}@example.org", i)}})
                      .id();
    Id record = e["res.partner"].create(Json{{"name", fmt::format("Deal {}", i)}}).id();
    mail::message_subscribe(e["res.partner"].browse({record}), {customer});
    t.records.push_back(record);
    t.customers.push_back(customer);
  }
  e.commit();
  return t;
}

mail::Post comment(std::string body) {
  mail::Post p;
  p.body = std::move(body);
  p.message_type = "comment";
  p.subtype_xmlid = "mail.mt_comment";
  return p;
}

// (b): N comments by the admin, one per transaction, round robin on the threads, each emailing
// the thread's customer; a dispatcher sends them. Returns emails per second from the first post
// to the last message received (0 when they did not all arrive); `posted` receives the rate of
// the posts and their commits alone.
double mail_round(orm::Runtime& rt, const Threads& threads, Sink& sink, long n, long round,
                  double& posted) {
  const long before = sink.count();
  std::vector<std::string> bodies;
  for (long i = 0; i < n; ++i)
    bodies.push_back(
        fmt::format("Your order S{} is confirmed and will ship soon. Thank you.", round * n + i));
  outbox::Dispatcher dispatcher(rt, outbox::Options{});
  dispatcher.start();
  auto t0 = Clock::now();
  for (long i = 0; i < n; ++i) {
    orm::Env e = admin(rt);
    Id record = threads.records[static_cast<size_t>(i) % threads.records.size()];
    mail::message_post(e["res.partner"].browse({record}),
                       comment(std::move(bodies[static_cast<size_t>(i)])));
    e.commit();
  }
  posted = static_cast<double>(n) / seconds_since(t0);
  if (!sink.wait_for(before + n)) {
    std::fprintf(stderr, "mail_bench: %ld of %ld emails delivered\n", sink.count() - before, n);
    return 0;
  }
  double s = seconds_since(t0);
  dispatcher.stop();  // records the last outcomes, not timed
  return static_cast<double>(n) / s;
}

// A typical reply from a mail client to `in_reply_to`: received headers, a DKIM signature, the
// text quoting the message, and the same in HTML; about 4 KB.
std::string reply_of(long i, const std::string& from, const std::string& in_reply_to) {
  std::string quoted;
  for (int line = 0; line < 8; ++line)
    quoted += "> Your order is confirmed and will ship soon. Thank you for your trust in us.\r\n";
  std::string quoted_html;
  for (int line = 0; line < 8; ++line)
    quoted_html +=
        "Your order is confirmed and will ship soon. Thank you for your trust in us.<br>\r\n";
  return fmt::format(
      "Return-Path: <{from}>\r\n"
      "Delivered-To: catchall@example.com\r\n"
      "Received: from mail-wr1-f41.example.net (mail-wr1-f41.example.net [203.0.113.41])\r\n"
      "\tby mx.example.com (Postfix) with ESMTPS id 4Xb2Kq1Zs4z9sT\r\n"
      "\tfor <catchall@example.com>; Tue, 14 Jan 2026 09:12:{sec:02d} +0000 (UTC)\r\n"
      "Received: by mail-wr1-f41.example.net with SMTP id ffacd0b85a97d-38a88ba8e3eso2f8;\r\n"
      "        Tue, 14 Jan 2026 01:12:{sec:02d} -0800 (PST)\r\n"
      "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=20230601;\r\n"
      "        t=1736845950; x=1737450750; h=to:subject:message-id:date:from:in-reply-to\r\n"
      "         :references:mime-version:from:to:cc:subject:date:message-id:reply-to;\r\n"
      "        bh=8JTPxo4MVxH6rvNuLd6C1lu5dBq2wY0k1eEbYc0L6yE=;\r\n"
      "        b=QyWvB6jYzJwP7m2nqN8E1e8oXhC9t6Fq1cS0n7ZqXzj2Qd1yT6eF2WvKpJ0mR5sB4cH\r\n"
      "         3gL9aD7fE2iK8oM1nQ4rS6tU0vW3xY5zA7bC9dE1fG3hI5jK7lM9nO1pQ3rS5tU7vW\r\n"
      "         9xY1zA3bC5dE7fG9hI1jK3lM5nO7pQ9rS1tU3vW5xY7zA9bC1dE3fG5hI7jK9lM1nO==\r\n"
      "MIME-Version: 1.0\r\n"
      "References: {irt}\r\n"
      "In-Reply-To: {irt}\r\n"
      "From: Customer <{from}>\r\n"
      "Date: Tue, 14 Jan 2026 10:12:{sec:02d} +0100\r\n"
      "Message-ID: <CAF{i}x9=reply.bench@mail.example.org>\r\n"
      "Subject: Re: Your order S{order}\r\n"
      "To: Sales <catchall@example.com>\r\n"
      "Content-Type: multipart/alternative; boundary=\"000000000000a1b2c3d4e5f6{i}\"\r\n"
      "\r\n"
      "--000000000000a1b2c3d4e5f6{i}\r\n"
      "Content-Type: text/plain; charset=\"UTF-8\"\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "Hello,\r\n"
      "\r\n"
      "Thank you. Could you deliver it on Thursday rather than Friday? Our warehouse is\r\n"
      "closed on Fridays. The invoice should go to our accounting department, as usual.\r\n"
      "\r\n"
      "Best regards,\r\n"
      "Jos=C3=A9 Customer\r\n"
      "\r\n"
      "On Tue, 14 Jan 2026 at 09:00, Sales <sales@example.com> wrote:\r\n"
      "{quoted}"
      "\r\n"
      "--000000000000a1b2c3d4e5f6{i}\r\n"
      "Content-Type: text/html; charset=\"UTF-8\"\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "<div dir=3D\"ltr\"><div>Hello,</div><div><br></div><div>Thank you. Could you deliver =\r\n"
      "it on Thursday rather than Friday? Our warehouse is closed on Fridays. The invoice =\r\n"
      "should go to our accounting department, as usual.</div><div><br></div><div>Best re=\r\n"
      "gards,</div><div>Jos=C3=A9 Customer</div></div><br><div class=3D\"gmail_quote\"><div =\r\n"
      "dir=3D\"ltr\" class=3D\"gmail_attr\">On Tue, 14 Jan 2026 at 09:00, Sales &lt;<a href=\r\n"
      "=3D\"mailto:sales@example.com\">sales@example.com</a>&gt; wrote:<br></div><blockquote =\r\n"
      "class=3D\"gmail_quote\" style=3D\"margin:0px 0px 0px 0.8ex;border-left:1px solid rgb(=\r\n"
      "204,204,204);padding-left:1ex\">\r\n"
      "{quoted_html}"
      "</blockquote></div>\r\n"
      "\r\n"
      "--000000000000a1b2c3d4e5f6{i}--\r\n",
      fmt::arg("from", from), fmt::arg("irt", in_reply_to), fmt::arg("i", i),
      fmt::arg("sec", i % 60), fmt::arg("order", 10000 + i), fmt::arg("quoted", quoted),
      fmt::arg("quoted_html", quoted_html));
}

// What (c) works on: threads whose first message, a comment by the admin (who then follows the
// record), the replies answer, and a contact the writes change.
struct Inbound {
  Threads threads;
  std::vector<std::string> message_ids;  // the comments' Message-Ids, by thread
  Id written = 0;
};
Inbound make_inbound(orm::Runtime& rt, int count) {
  Inbound in;
  in.threads = make_threads(rt, count);
  orm::Env e = admin(rt);
  for (Id record : in.threads.records) {
    Id message = mail::message_post(e["res.partner"].browse({record}),
                                    comment("Your order is confirmed and will ship soon."));
    in.message_ids.push_back(e["mail.message"].browse({message}).get("message_id").as_string());
  }
  in.written = e["res.partner"].create(Json{{"name", "Written"}}).id();
  e.commit();
  return in;
}

// The bare parse: GMime's parser on the bytes, the message object made and freed.
void bare_parse(const std::string& bytes) {
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_object_unref(stream);
  GMimeMessage* message = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  if (message == nullptr) {
    std::fprintf(stderr, "mail_bench: GMime did not parse the reply\n");
    std::exit(1);
  }
  g_object_unref(message);
}

struct InboundTimes {
  double parse = 0, write = 0, gate = 0;  // microseconds per message
};

// (c): M bare parses, M writes, M replies through process_inbound, each timed as a block.
// `next` numbers the replies across rounds (each has its own Message-Id).
bool inbound_round(orm::Runtime& rt, const Inbound& in, long m, long& next, InboundTimes& t) {
  std::vector<std::string> replies;
  for (long i = 0; i < m; ++i, ++next) {
    size_t k = static_cast<size_t>(next) % in.threads.records.size();
    replies.push_back(reply_of(next, fmt::format("customer{}@example.org", k), in.message_ids[k]));
  }
  auto t0 = Clock::now();
  for (const std::string& r : replies)
    bare_parse(r);
  t.parse = seconds_since(t0) * 1e6 / static_cast<double>(m);

  t0 = Clock::now();
  for (long i = 0; i < m; ++i) {
    orm::Env e = admin(rt);
    e["res.partner"]
        .browse({in.written})
        .write(Json{{"name", fmt::format("Written {}", next + i)}});
    e.commit();
  }
  t.write = seconds_since(t0) * 1e6 / static_cast<double>(m);

  t0 = Clock::now();
  for (const std::string& r : replies) {
    orm::Env e = superuser(rt);
    mail::InboundResult result = mail::process_inbound(e, r);
    e.commit();
    if (result.kind != mail::InboundResult::Kind::kPosted) {
      std::fprintf(stderr, "mail_bench: a reply was not posted: %s (%s)\n",
                   std::string(mail::inbound_kind_text(result.kind)).c_str(),
                   result.detail.c_str());
      return false;
    }
  }
  t.gate = seconds_since(t0) * 1e6 / static_cast<double>(m);
  return true;
}

// (d)'s rule: on creation of a contact, the template posted as a comment to 3 partners with
// addresses (partner_to), who are subscribed (Subscribe Recipients, the default).
void add_welcome_rule(orm::Runtime& rt) {
  orm::Env e = superuser(rt);
  std::string partner_to;
  for (int i = 0; i < 3; ++i) {
    Id p = e["res.partner"]
               .create(Json{{"name", fmt::format("Follower {}", i)},
                            {"email", fmt::format("follower{}@example.org", i)}})
               .id();
    partner_to += (i ? "," : "") + std::to_string(p);
  }
  Id partner_model = e.ref("base.model_res_partner").id();
  Id tmpl = e["mail.template"]
                .create(Json{{"name", "Welcome"},
                             {"model_id", partner_model},
                             {"subject", "Welcome {{ object.name }}"},
                             {"body_html",
                              "<p>Dear <t t-out=\"object.name\"/>,</p>"
                              "<p>Your request has been received; we will answer shortly.</p>"},
                             {"partner_to", partner_to}})
                .id();
  Json action{{"name", "Send welcome"},
              {"model_id", partner_model},
              {"state", "mail_post"},
              {"template_id", tmpl},
              {"mail_post_method", "comment"}};
  e["base.automation"].create(
      Json{{"name", "Welcome new contacts"},
           {"model_name", "res.partner"},
           {"trigger", "on_create"},
           {"action_server_ids", Json::array({Json::array({0, 0, action})})}});
  e.commit();
}

// (d): M creates of a contact as the admin, one per transaction; creates per second.
double create_round(orm::Runtime& rt, long m, long& next) {
  auto t0 = Clock::now();
  for (long i = 0; i < m; ++i, ++next) {
    orm::Env e = admin(rt);
    e["res.partner"].create(Json{{"name", fmt::format("Lead {}", next)},
                                 {"email", fmt::format("lead{}@example.net", next)}});
    e.commit();
  }
  return static_cast<double>(m) / seconds_since(t0);
}

// The emails (d)'s rule queued: 3 per create.
long queued_emails(orm::Runtime& rt) {
  orm::Env e = superuser(rt);
  return static_cast<long>(e["mail.mail"].search(autorules::domain::Domain()).ids().size());
}

int run(long n, int rounds, long m) {
  Sink sink;
  TempDir dir;
  std::unique_ptr<orm::Runtime> b_rt = runtime_on(dir, "post", sink);
  std::unique_ptr<orm::Runtime> c_rt = runtime_on(dir, "inbound", sink);
  std::unique_ptr<orm::Runtime> plain_rt = runtime_on(dir, "plain", sink);
  std::unique_ptr<orm::Runtime> rule_rt = runtime_on(dir, "rule", sink);
  for (orm::Runtime* rt : {b_rt.get(), c_rt.get(), plain_rt.get(), rule_rt.get()})
    give_admin_an_address(*rt);
  Threads threads = make_threads(*b_rt, 100);
  Inbound inbound = make_inbound(*c_rt, 100);
  add_welcome_rule(*rule_rt);

  std::vector<double> a, b, ba, posted, parse, write, gate, gate_ratio, plain, rule, rule_ratio;
  long reply = 0, plain_next = 0, rule_next = 0;
  for (int r = 0; r < rounds; ++r) {
    double bare = bare_round(sink.url(), n);
    if (bare == 0) {
      std::fprintf(stderr, "mail_bench: round %d: the bare client failed\n", r);
      return 1;
    }
    double p = 0;
    double ours = mail_round(*b_rt, threads, sink, n, r, p);
    if (ours == 0)
      return 1;
    a.push_back(bare);
    b.push_back(ours);
    ba.push_back(ours / bare);
    posted.push_back(p);

    InboundTimes t;
    if (!inbound_round(*c_rt, inbound, m, reply, t))
      return 1;
    parse.push_back(t.parse);
    write.push_back(t.write);
    gate.push_back(t.gate);
    gate_ratio.push_back(t.gate / (t.parse + t.write));

    double with_rule, without;
    if (r % 2) {
      with_rule = create_round(*rule_rt, m, rule_next);
      without = create_round(*plain_rt, m, plain_next);
    } else {
      without = create_round(*plain_rt, m, plain_next);
      with_rule = create_round(*rule_rt, m, rule_next);
    }
    plain.push_back(without);
    rule.push_back(with_rule);
    rule_ratio.push_back(with_rule / without);
  }
  if (long q = queued_emails(*rule_rt); q != 3 * rule_next) {
    std::fprintf(stderr, "mail_bench: the rule queued %ld emails for %ld creates, not 3 each\n", q,
                 rule_next);
    return 1;
  }
  std::printf("%.0f %.0f %.2f %.0f %.1f %.1f %.1f %.2f %.0f %.0f %.2f\n", median(a), median(b),
              median(ba), median(posted), median(parse), median(write), median(gate),
              median(gate_ratio), median(plain), median(rule), median(rule_ratio));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: mail_bench N ROUNDS [M]\n");
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  g_mime_init();
  return run(std::stol(argv[1]), std::stoi(argv[2]), argc > 3 ? std::stol(argv[3]) : 200);
}
