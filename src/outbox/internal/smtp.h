// Internal to outbox/: an SMTP transfer as the dispatcher sees it. libcurl speaks SMTP; this
// follows the conversation from libcurl's debug callback — the commands it sends and the replies
// it reads — to know which reply answered which command (the greeting, EHLO, AUTH, MAIL FROM,
// each RCPT TO, DATA, the end of the message), and turns it into what the attempt means for the
// message (classify).
//
// Only the command's verb is looked at, and nothing of an AUTH exchange is: the lines that carry
// credentials are never read. Reply texts are kept as printable ASCII (anything else becomes '?')
// and cut at kMaxReplyText bytes: a server's reply is hostile data that ends up in the database,
// the API and the log.
//
// email_problem() holds enqueue()'s rules for an email's server and envelope, which the dispatcher
// applies again to the rows it reads (an administrator may have written them through the API):
// no address with a line end reaches libcurl, no ssl message goes over smtp://.
//
// Thread-safety: email_problem() and classify() are pure; an SmtpDialogue belongs to one
// transfer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outbox/outbox.h"

namespace autorules::outbox::internal {

// The longest reply text kept (a multi-line reply's lines are joined by spaces).
inline constexpr std::size_t kMaxReplyText = 512;
// The longest error an attempt records (the recipients' replies are listed up to this).
inline constexpr std::size_t kMaxSmtpError = 4096;

// Why an email's server URL, encryption (nullopt: not a valid one) and envelope cannot be used,
// or nullopt (outbox.h, enqueue). The text is a message for a person, for a ValueError or an
// attempt's error: "The email's recipient 'x' cannot be used: it is not of the form
// local@domain".
std::optional<std::string> email_problem(std::string_view url, std::optional<Encryption> encryption,
                                         std::string_view mail_from,
                                         const std::vector<std::string>& recipients);

// Whether `text` is well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF).
bool valid_utf8(std::string_view text);

// What a reply answered.
enum class SmtpStage {
  kGreeting,   // the server's first words on a new connection
  kHello,      // EHLO or HELO
  kStarttls,   // STARTTLS
  kAuth,       // AUTH and its exchange
  kMail,       // MAIL FROM
  kRcpt,       // RCPT TO
  kData,       // DATA
  kEndOfData,  // the message's bytes and the final dot
  kOther,      // anything else (QUIT, RSET, ...)
};

struct SmtpReply {
  int code = 0;
  std::string text;  // "550 5.1.1 <x@example.com>: user unknown"
  SmtpStage stage = SmtpStage::kOther;
};

class SmtpDialogue {
 public:
  // A command libcurl sent (CURLINFO_HEADER_OUT), or a line of an AUTH exchange (not read).
  void command(std::string_view line);
  // One line the server sent (CURLINFO_HEADER_IN), with or without its CRLF.
  void reply_line(std::string_view line);

  // The last complete reply, if any.
  const std::optional<SmtpReply>& last() const { return last_; }
  // The replies to RCPT TO, in the order of the recipients.
  const std::vector<SmtpReply>& rcpt() const { return rcpt_; }
  // The reply after the message's bytes, if it came.
  const std::optional<SmtpReply>& end_of_data() const { return end_of_data_; }

 private:
  void finish();

  SmtpStage stage_ = SmtpStage::kGreeting;  // what the next reply answers
  bool auth_continues_ = false;             // the server asked for more (334): lines to skip
  // libcurl closed another connection with QUIT through this transfer's handle (the connection
  // cache was full): its reply belongs to no stage of this transfer.
  bool quitting_ = false;
  int partial_code_ = 0;  // a multi-line reply being read
  std::string partial_;
  std::optional<SmtpReply> last_, end_of_data_;
  std::vector<SmtpReply> rcpt_;
};

// How libcurl ended a transfer, in the outbox's terms.
enum class TransferEnd {
  kOk,
  // A reply that is not the expected one, or a network, TLS or time-out error: the replies
  // decide; without a reply that says why, it is retried.
  kFailed,
  // Nothing later can change it: the server offers no STARTTLS though it is required, or no
  // AUTH mechanism libcurl knows, or the URL cannot be used.
  kNotRetried,
};

// What an attempt means for its message (before the dispatcher turns a retry into dead when no
// attempt is left).
struct SmtpVerdict {
  Outcome outcome = Outcome::kFailed;
  long status = 0;  // the reply code that decided, 0 without one
  std::string error;
  std::vector<std::string> accepted;
  std::vector<RecipientReply> refused, deferred;
  // The message's recipients from now on, when they change (some were refused for good, or took
  // the message, while others are to be tried again).
  std::optional<std::vector<std::string>> recipients_after;
};

// `recipients`: the envelope recipients, in the order libcurl sent them; `curl_error`: libcurl's
// words for a failed transfer ("Failure when receiving data from the peer (...)").
SmtpVerdict classify(TransferEnd end, std::string_view curl_error, const SmtpDialogue& dialogue,
                     const std::vector<std::string>& recipients);

}  // namespace autorules::outbox::internal
