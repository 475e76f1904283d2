// The chatter: message_post, who is notified and how, followers, the clean-up of a deleted
// record's chatter (src/mail/thread.h).
#include "mail/thread.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "common/errors.h"
#include "domain/domain.h"
#include "test_support/engine_fixture.h"
#include "test_support/expect_throw.h"

namespace autorules::mail {
namespace {

using common::Id;
using common::IdList;
using common::Json;
using domain::Domain;
using domain::Op;

class ThreadTest : public test::EngineTest {
 protected:
  ThreadTest() {
    orm::Env e = su();
    customer_ =
        e["res.partner"].create(Json{{"name", "Zoé Customer"}, {"email", "zoe@example.com"}}).id();
    nomail_ = e["res.partner"].create(Json{{"name", "No Mail"}}).id();
    // An employee who reads notifications in the app, and one who gets emails.
    employee_user_ =
        e["res.users"]
            .create(Json{{"name", "Inbox Ian"}, {"login", "ian"}, {"notification_type", "inbox"}})
            .id();
    employee_ = e["res.users"].browse({employee_user_}).get("partner_id").as_int();
    e["res.partner"].browse({employee_}).write(Json{{"email", "ian@example.com"}});
    admin_partner_ = e["res.users"].browse({orm::kAdminId}).get("partner_id").as_int();
    e["res.partner"].browse({admin_partner_}).write(Json{{"email", "admin@example.com"}});
    thread_ = e["res.partner"].create(Json{{"name", "Acme"}}).id();
    e.commit();
  }

  Id admin_partner() const { return admin_partner_; }

  // (partner, notification type, status) of the message's notifications, by partner.
  std::vector<std::tuple<Id, std::string, std::string>> notifications(orm::Env& e, Id message) {
    std::vector<std::tuple<Id, std::string, std::string>> out;
    for (const Json& n :
         e["mail.notification"]
             .search(Domain::term("mail_message_id", Op::kEq, message),
                     orm::SearchOptions{.order = "res_partner_id"})
             .read({"res_partner_id", "notification_type", "notification_status"})) {
      out.emplace_back(n["res_partner_id"][0].get<Id>(), n["notification_type"].get<std::string>(),
                       n["notification_status"].get<std::string>());
    }
    return out;
  }

  IdList followers(orm::Env& e, Id record) {
    IdList out;
    for (const Json& f :
         e["mail.followers"]
             .search(Domain::conjoin(Domain::term("res_model", Op::kEq, "res.partner"),
                                     Domain::term("res_id", Op::kEq, record)),
                     orm::SearchOptions{.order = "partner_id"})
             .read({"partner_id"}))
      out.push_back(f["partner_id"][0].get<Id>());
    std::sort(out.begin(), out.end());
    return out;
  }

  Id customer_ = 0, nomail_ = 0, employee_user_ = 0, employee_ = 0, thread_ = 0, admin_partner_ = 0;
};

TEST_F(ThreadTest, ADefaultPostIsAnInternalNoteByTheUserThatNotifiesNobody) {
  orm::Env e = env();
  Post post;
  post.body = "Hello <b>world</b> & co";
  Id mid = message_post(e["res.partner"].browse({thread_}), post);
  Json m = e["mail.message"].browse({mid}).read({"body", "message_type", "subtype_id", "author_id",
                                                 "email_from", "model", "res_id", "record_name",
                                                 "message_id"})[0];
  EXPECT_EQ(m["body"], "Hello &lt;b&gt;world&lt;/b&gt; &amp; co");
  EXPECT_EQ(m["message_type"], "notification");
  EXPECT_EQ(m["subtype_id"][0].get<Id>(), e.ref("mail.mt_note").id());
  EXPECT_EQ(m["author_id"][0].get<Id>(), admin_partner());
  EXPECT_NE(m["email_from"].get<std::string>().find("admin@example.com"), std::string::npos);
  EXPECT_EQ(m["model"], "res.partner");
  EXPECT_EQ(m["res_id"].get<Id>(), thread_);
  EXPECT_EQ(m["record_name"], "Acme");
  EXPECT_NE(m["message_id"].get<std::string>().find("-autorules-"), std::string::npos);
  EXPECT_TRUE(notifications(e, mid).empty());
  // A notification subscribes nobody, not even its author.
  EXPECT_TRUE(followers(e, thread_).empty());
  // The record's message_ids lists it.
  EXPECT_EQ(e["res.partner"].browse({thread_}).get("message_ids").as_ids(), IdList{mid});
}

TEST_F(ThreadTest, ACommentNotifiesTheFollowersOfItsSubtypeButNotItsAuthor) {
  orm::Env e = env();
  orm::RecordSet thread = e["res.partner"].browse({thread_});
  message_subscribe(thread, {customer_, employee_, nomail_});
  Post post;
  post.body = "<p>Your order shipped</p>";
  post.body_is_html = true;
  post.message_type = "comment";
  post.subtype_xmlid = "mail.mt_comment";
  Id mid = message_post(thread, post);
  // The author (admin) is an employee: a comment subscribes them; they get no copy.
  IdList expected{customer_, nomail_, employee_, admin_partner()};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(followers(e, thread_), expected);
  auto n = notifications(e, mid);
  ASSERT_EQ(n.size(), 3u);
  for (const auto& [partner, type, status] : n) {
    if (partner == employee_) {
      EXPECT_EQ(type, "inbox");
      EXPECT_EQ(status, "sent");
    } else if (partner == customer_) {
      EXPECT_EQ(type, "email");
      EXPECT_EQ(status, "exception");  // no mail server: nothing can send it
    } else {
      EXPECT_EQ(partner, nomail_);
      EXPECT_EQ(type, "email");
      EXPECT_EQ(status, "exception");
    }
  }
  // One mail per emailed partner, in exception with the reason.
  Json mails =
      e["mail.mail"]
          .search(Domain::term("mail_message_id", Op::kEq, mid), orm::SearchOptions{.order = "id"})
          .read({"state", "failure_type", "failure_reason", "subject", "body_html"});
  ASSERT_EQ(mails.size(), 2u);
  EXPECT_EQ(mails[0]["state"], "exception");
  EXPECT_EQ(mails[0]["failure_type"], "mail_smtp");
  EXPECT_NE(mails[0]["failure_reason"].get<std::string>().find("No outgoing mail server"),
            std::string::npos);
  EXPECT_EQ(mails[0]["subject"], "Acme");
  EXPECT_NE(mails[0]["body_html"].get<std::string>().find("<p>Your order shipped</p>"),
            std::string::npos);
  EXPECT_EQ(mails[1]["failure_type"], "mail_email_missing");
}

TEST_F(ThreadTest, AnInternalNoteSkipsShareFollowersButReachesTheMentionedOnes) {
  orm::Env e = env();
  orm::RecordSet thread = e["res.partner"].browse({thread_});
  message_subscribe(thread, {customer_, employee_},
                    IdList{e.ref("mail.mt_note").id(), e.ref("mail.mt_comment").id()});
  Post note;
  note.body = "internal";
  note.message_type = "comment";
  note.subtype_xmlid = "mail.mt_note";
  Id mid = message_post(thread, note);
  auto n = notifications(e, mid);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(std::get<0>(n[0]), employee_);
  // Named on the message, the customer is notified even of a note.
  note.partner_ids = {customer_};
  mid = message_post(thread, note);
  n = notifications(e, mid);
  ASSERT_EQ(n.size(), 2u);
}

TEST_F(ThreadTest, NewFollowersGetTheDefaultSubtypesAndGivenSubtypesReplaceThem) {
  orm::Env e = env();
  orm::RecordSet thread = e["res.partner"].browse({thread_});
  message_subscribe(thread, {customer_});
  orm::RecordSet f = e["mail.followers"].search(Domain::term("partner_id", Op::kEq, customer_));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f.get("subtype_ids").as_ids(), IdList{e.ref("mail.mt_comment").id()});
  // Subscribing again changes nothing; with subtypes, they replace the follower's.
  message_subscribe(thread, {customer_});
  EXPECT_EQ(e["mail.followers"].search(Domain::term("partner_id", Op::kEq, customer_)).size(), 1u);
  Id note = e.ref("mail.mt_note").id();
  message_subscribe(thread, {customer_}, IdList{note});
  EXPECT_EQ(f.get("subtype_ids").as_ids(), IdList{note});
  message_unsubscribe(thread, {customer_});
  EXPECT_TRUE(followers(e, thread_).empty());
}

// Subscribed together, an employee and a customer each get their own defaults: the internal
// default subtypes only reach the employee. A follower's name, address and state are its
// partner's, read when asked.
TEST_F(ThreadTest, FollowersSubscribedTogetherGetTheDefaultsOfTheirKind) {
  orm::Env e = env();
  Id internal_default = e.sudo()["mail.message.subtype"]
                            .create(Json{{"name", "Internal news"},
                                         {"internal", true},
                                         {"default", true},
                                         {"res_model", "res.partner"}})
                            .id();
  orm::RecordSet thread = e["res.partner"].browse({thread_});
  message_subscribe(thread, {customer_, employee_});
  auto subtypes_of = [&](Id partner) {
    IdList ids = e["mail.followers"]
                     .search(Domain::conjoin(Domain::term("res_id", Op::kEq, thread_),
                                             Domain::term("partner_id", Op::kEq, partner)))
                     .get("subtype_ids")
                     .as_ids();
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  Id comment = e.ref("mail.mt_comment").id();
  IdList both{comment, internal_default};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(subtypes_of(customer_), IdList{comment});
  EXPECT_EQ(subtypes_of(employee_), both);

  orm::RecordSet f = e["mail.followers"].search(Domain::conjoin(
      Domain::term("res_id", Op::kEq, thread_), Domain::term("partner_id", Op::kEq, customer_)));
  Json row = f.read({"name", "email", "is_active"})[0];
  EXPECT_EQ(row["name"], "Zoé Customer");
  EXPECT_EQ(row["email"], "zoe@example.com");
  EXPECT_EQ(row["is_active"], true);
  e.sudo()["res.partner"].browse({customer_}).write(Json{{"email", "zoe@example.org"}});
  EXPECT_EQ(f.read({"email"})[0]["email"], "zoe@example.org");
}

TEST_F(ThreadTest, InactivePartnersAreNotSubscribed) {
  orm::Env e = env();
  e["res.partner"].browse({customer_}).write(Json{{"active", false}});
  message_subscribe(e["res.partner"].browse({thread_}), {customer_});
  EXPECT_TRUE(followers(e, thread_).empty());
}

TEST_F(ThreadTest, ModelsWithoutAChatterAndBadArgumentsAreRefused) {
  orm::Env e = env();
  Id eur = e["res.currency"].search(Domain()).ids().front();
  EXPECT_THROW_MSG(message_post(e["res.currency"].browse({eur}), Post{}), common::ValueError,
                   "is not a mail thread");
  Post user_notification;
  user_notification.message_type = "user_notification";
  EXPECT_THROW_MSG(message_post(e["res.partner"].browse({thread_}), user_notification),
                   common::ValueError, "message_notify");
  Post unknown;
  unknown.subtype_xmlid = "mail.no_such_subtype";
  EXPECT_THROW_MSG(message_post(e["res.partner"].browse({thread_}), unknown), common::ValueError,
                   "Unknown message subtype");
  EXPECT_THROW_MSG(message_post(e["res.partner"].browse({thread_, customer_}), Post{}),
                   common::ValueError, "one record");
}

TEST_F(ThreadTest, ASenderWithoutAnAddressIsRefusedUnlessSuperuser) {
  {
    orm::Env e = su();
    e["res.partner"].browse({admin_partner()}).write(Json{{"email", false}});
    e.commit();
  }
  orm::Env e = env();
  EXPECT_THROW_MSG(message_post(e["res.partner"].browse({thread_}), Post{}), common::UserError,
                   "configure the sender's email address");
  EXPECT_GT(message_post(e.sudo()["res.partner"].browse({thread_}), Post{}), 0);
}

TEST_F(ThreadTest, AnAddressOnlyFindsItsPartnerWithoutWildcards) {
  orm::Env e = env();
  Post post;
  post.email_from = "\"Zoé\" <ZOE@example.com>";
  Id mid = message_post(e["res.partner"].browse({thread_}), post);
  EXPECT_EQ(e["mail.message"].browse({mid}).get("author_id").as_int(), customer_);
  // "%" and "_" are no wildcards: this address names nobody.
  post.email_from = "%@example.com";
  mid = message_post(e["res.partner"].browse({thread_}), post);
  EXPECT_TRUE(e["mail.message"].browse({mid}).get("author_id").is_false());
}

TEST_F(ThreadTest, RepliesJoinTheThreadOfTheFirstMessage) {
  orm::Env e = env();
  orm::RecordSet thread = e["res.partner"].browse({thread_});
  Id first = message_post(thread, Post{});
  Id second = message_post(thread, Post{});
  Post reply;
  reply.parent_id = second;
  Id third = message_post(thread, reply);
  EXPECT_EQ(e["mail.message"].browse({second}).get("parent_id").as_int(), first);
  EXPECT_EQ(e["mail.message"].browse({third}).get("parent_id").as_int(), first);
}

TEST_F(ThreadTest, DeletingARecordDeletesItsChatter) {
  orm::Env e = env();
  orm::RecordSet thread = e["res.partner"].browse({thread_});
  message_subscribe(thread, {customer_});
  message_post(thread, Post{});
  thread.unlink();
  EXPECT_EQ(e["mail.message"].search_count(Domain::term("res_id", Op::kEq, thread_)), 0);
  EXPECT_TRUE(followers(e, thread_).empty());
}

TEST_F(ThreadTest, MessagesAreSearchableThroughTheRecordsMessageIds) {
  orm::Env e = env();
  Post post;
  post.body = "needle";
  message_post(e["res.partner"].browse({thread_}), post);
  message_post(e["res.partner"].browse({customer_}), Post{});
  IdList found =
      e["res.partner"].search(Domain::term("message_ids.body", Op::kIlike, "needle")).ids();
  EXPECT_EQ(found, IdList{thread_});
}

}  // namespace
}  // namespace autorules::mail
