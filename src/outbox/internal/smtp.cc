// Following an SMTP conversation and judging its end (internal/smtp.h).
#include "outbox/internal/smtp.h"

#include <algorithm>
#include <cstdint>

#include <fmt/format.h>

#include "common/text.h"
#include "outbox/target.h"

namespace autorules::outbox::internal {

namespace {

// Recipients named in an error, per group; the others are counted.
constexpr std::size_t kListedRecipients = 10;

// `line` without its line end.
std::string_view chomp(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
    line.remove_suffix(1);
  return line;
}

// Appends `text` to `out` as printable ASCII, while `out` is shorter than kMaxReplyText.
void append_printable(std::string& out, std::string_view text) {
  for (char c : text) {
    if (out.size() >= kMaxReplyText) {
      out.resize(kMaxReplyText - 3);
      out += "...";
      return;
    }
    auto u = static_cast<unsigned char>(c);
    out += u == '\t' ? ' ' : (u >= 0x20 && u < 0x7F ? c : '?');
  }
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// The stage a command's verb starts.
SmtpStage stage_of(std::string_view line) {
  std::string verb;
  for (char c : line.substr(0, 8)) {
    if (c == ' ' || c == '\r' || c == '\n')
      break;
    verb += c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
  }
  if (verb == "EHLO" || verb == "HELO")
    return SmtpStage::kHello;
  if (verb == "STARTTLS")
    return SmtpStage::kStarttls;
  if (verb == "AUTH")
    return SmtpStage::kAuth;
  if (verb == "MAIL")
    return SmtpStage::kMail;
  if (verb == "RCPT")
    return SmtpStage::kRcpt;
  if (verb == "DATA")
    return SmtpStage::kData;
  return SmtpStage::kOther;
}

// What a reply of `stage` answered, for an error.
std::string stage_name(SmtpStage stage) {
  switch (stage) {
    case SmtpStage::kGreeting:
      return "the greeting";
    case SmtpStage::kHello:
      return "EHLO";
    case SmtpStage::kStarttls:
      return "STARTTLS";
    case SmtpStage::kAuth:
      return "AUTH";
    case SmtpStage::kMail:
      return "MAIL FROM";
    case SmtpStage::kRcpt:
      return "RCPT TO";
    case SmtpStage::kData:
      return "DATA";
    case SmtpStage::kEndOfData:
      return "the end of the message";
    case SmtpStage::kOther:
      break;
  }
  return "a command";
}

bool permanent(int code) {
  return code >= 500;
}

// "550 5.1.1 <x@y>: user unknown (reply to RCPT TO:<x@y>)" for each of `replies`, the first
// kListedRecipients of them, joined by "; ".
std::string listed(const std::vector<RecipientReply>& replies) {
  std::string out;
  for (std::size_t i = 0; i < replies.size() && i < kListedRecipients; ++i) {
    if (i)
      out += "; ";
    out += fmt::format("{} (reply to RCPT TO:<{}>)", replies[i].reply, replies[i].address);
  }
  if (replies.size() > kListedRecipients)
    out += fmt::format("; and {} more", replies.size() - kListedRecipients);
  return out;
}

// The addresses of `replies`.
std::vector<std::string> addresses(const std::vector<RecipientReply>& replies) {
  std::vector<std::string> out;
  out.reserve(replies.size());
  for (const RecipientReply& r : replies)
    out.push_back(r.address);
  return out;
}

// `error` cut to kMaxSmtpError bytes.
std::string bounded(std::string error) {
  if (error.size() > kMaxSmtpError) {
    error.resize(kMaxSmtpError - 3);
    error += "...";
  }
  return error;
}

// Sorts the replies to RCPT TO of `recipients` into accepted, refused (5xx) and deferred.
void sort_recipients(const SmtpDialogue& dialogue, const std::vector<std::string>& recipients,
                     SmtpVerdict& v) {
  const std::vector<SmtpReply>& replies = dialogue.rcpt();
  for (std::size_t i = 0; i < replies.size() && i < recipients.size(); ++i) {
    const SmtpReply& r = replies[i];
    if (r.code / 100 == 2) {
      v.accepted.push_back(recipients[i]);
    } else {
      (permanent(r.code) ? v.refused : v.deferred)
          .push_back(RecipientReply{recipients[i], r.code, r.text});
    }
  }
}

// Why `address` cannot be an envelope address, or nullopt: local@domain (the last '@' splits
// them: a quoted local part may hold one) in UTF-8, at most kMaxAddressLength bytes, no spaces,
// control characters or angle brackets (libcurl adds the brackets; a line end would end the
// command).
std::optional<std::string> address_problem(std::string_view address) {
  if (address.size() > kMaxAddressLength)
    return fmt::format("it is longer than {} bytes", kMaxAddressLength);
  for (char c : address) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F)
      return "it contains a space or a control character";
    if (c == '<' || c == '>')
      return "it contains an angle bracket (give the bare address)";
  }
  if (!valid_utf8(address))
    return "it is not valid UTF-8";
  size_t at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size())
    return "it is not of the form local@domain";
  return std::nullopt;
}

// `address` as shown in an error: cut after 100 bytes, control characters (and every byte above
// 0x7F when it is not UTF-8) as '?'.
std::string shown(std::string_view address) {
  const bool utf8 = valid_utf8(address);
  std::string out;
  for (char c : address) {
    auto u = static_cast<unsigned char>(c);
    out += u < 0x20 || u == 0x7F || (u >= 0x80 && !utf8) ? '?' : c;
  }
  return common::truncate_utf8(out, 100);
}

// A recipient or sender's problem as said in an error.
std::string address_error(std::string_view what, std::string_view address, const std::string& why) {
  return fmt::format("The email's {} '{}' cannot be used: {}", what, shown(address), why);
}

}  // namespace

bool valid_utf8(std::string_view text) {
  static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  for (size_t i = 0; i < text.size();) {
    auto b = static_cast<unsigned char>(text[i]);
    size_t n = 0;  // continuation bytes
    if (b >= 0x80) {
      if ((b & 0xE0) == 0xC0) {
        n = 1;
      } else if ((b & 0xF0) == 0xE0) {
        n = 2;
      } else if ((b & 0xF8) == 0xF0) {
        n = 3;
      } else {
        return false;
      }
    }
    if (n >= text.size() - i)
      return false;  // cut short
    std::uint32_t cp = n == 0 ? b : (b & (0x3Fu >> n));
    for (size_t k = 1; k <= n; ++k) {
      auto c = static_cast<unsigned char>(text[i + k]);
      if ((c & 0xC0) != 0x80)
        return false;
      cp = cp << 6 | (c & 0x3Fu);
    }
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += n + 1;
  }
  return true;
}

std::optional<std::string> email_problem(std::string_view url, std::optional<Encryption> encryption,
                                         std::string_view mail_from,
                                         const std::vector<std::string>& recipients) {
  if (std::optional<std::string> why = check_smtp_url(url))
    return why;
  if (!encryption)
    return "The email has no valid encryption (none, starttls, starttls_strict, ssl, ssl_strict)";
  const bool smtps = url.size() > 5 && (url[4] == 's' || url[4] == 'S');
  const bool ssl = *encryption == Encryption::kSsl || *encryption == Encryption::kSslStrict;
  if (ssl != smtps) {
    return fmt::format(
        "The email's encryption '{}' does not go with the URL '{}': ssl and ssl_strict use "
        "smtps://, none, starttls and starttls_strict use smtp://",
        encryption_text(*encryption), target_origin(url));
  }
  if (!mail_from.empty()) {
    if (std::optional<std::string> why = address_problem(mail_from))
      return address_error("sender", mail_from, *why);
  }
  if (recipients.empty())
    return "An email needs at least one recipient";
  if (recipients.size() > kMaxRecipients) {
    return fmt::format("An email has at most {} recipients ({} given)", kMaxRecipients,
                       recipients.size());
  }
  for (const std::string& r : recipients) {
    if (std::optional<std::string> why = address_problem(r))
      return address_error("recipient", r, *why);
  }
  return std::nullopt;
}

void SmtpDialogue::command(std::string_view line) {
  if (auth_continues_)
    return;  // an answer to the server's AUTH challenge: credentials, never read
  if (line.size() >= 4 && (line.substr(0, 4) == "QUIT" || line.substr(0, 4) == "quit")) {
    quitting_ = true;
    return;
  }
  stage_ = stage_of(line);
}

void SmtpDialogue::reply_line(std::string_view raw) {
  std::string_view line = chomp(raw);
  if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2]))
    return;  // not a reply line (libcurl skips them too)
  const bool more = line.size() > 3 && line[3] == '-';
  if (partial_.empty()) {
    partial_code_ = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    append_printable(partial_, line);
    if (more)
      partial_[3] = ' ';  // "250-first" is shown "250 first ..."
  } else {
    partial_ += ' ';
    append_printable(partial_, line.size() > 4 ? line.substr(4) : std::string_view());
  }
  if (!more)
    finish();
}

void SmtpDialogue::finish() {
  SmtpReply reply{partial_code_, std::move(partial_), stage_};
  partial_.clear();
  if (quitting_) {
    quitting_ = false;
    return;
  }
  switch (stage_) {
    case SmtpStage::kRcpt:
      rcpt_.push_back(reply);
      break;
    case SmtpStage::kData:
      if (reply.code == 354)
        stage_ = SmtpStage::kEndOfData;  // the next reply comes after the message's bytes
      break;
    case SmtpStage::kEndOfData:
      end_of_data_ = reply;
      break;
    default:
      break;
  }
  auth_continues_ = stage_ == SmtpStage::kAuth && reply.code == 334;
  last_ = std::move(reply);
}

SmtpVerdict classify(TransferEnd end, std::string_view curl_error, const SmtpDialogue& dialogue,
                     const std::vector<std::string>& recipients) {
  SmtpVerdict v;
  const std::optional<SmtpReply>& last = dialogue.last();
  const std::optional<SmtpReply>& eod = dialogue.end_of_data();

  // The server took the message (for the recipients it accepted).
  if (end == TransferEnd::kOk || (eod && eod->code / 100 == 2)) {
    sort_recipients(dialogue, recipients, v);
    v.status = eod ? eod->code : (last ? last->code : 250);
    std::string error;
    if (!v.refused.empty() || !v.deferred.empty()) {
      error = fmt::format("delivered to {} of {} recipients", v.accepted.size(), recipients.size());
      if (!v.refused.empty())
        error += "; refused, not retried: " + listed(v.refused);
      if (!v.deferred.empty())
        error += "; deferred, retried: " + listed(v.deferred);
    }
    if (v.deferred.empty()) {
      v.outcome = Outcome::kDelivered;
    } else {
      v.outcome = Outcome::kRetry;
      v.status = v.deferred.front().code;
      v.recipients_after = addresses(v.deferred);
    }
    v.error = bounded(std::move(error));
    return v;
  }

  if (end == TransferEnd::kNotRetried) {
    v.outcome = Outcome::kFailed;
    v.status = last && last->code >= 400 ? last->code : 0;
    std::string error(curl_error);
    if (last && last->code >= 400)
      error += fmt::format(": {} (reply to {})", last->text, stage_name(last->stage));
    v.error = bounded(error + " (not retried)");
    return v;
  }

  // Every recipient refused (libcurl goes on after a refused one, and gives up after the last).
  if (!recipients.empty() && dialogue.rcpt().size() == recipients.size() && last &&
      last->stage == SmtpStage::kRcpt) {
    sort_recipients(dialogue, recipients, v);
    if (v.accepted.empty()) {
      std::string error = "every recipient was refused: " + listed(v.refused);
      if (!v.refused.empty() && !v.deferred.empty())
        error += "; ";
      error += listed(v.deferred);
      if (v.deferred.empty()) {
        v.outcome = Outcome::kFailed;
        v.status = v.refused.front().code;
        error += " (not retried)";
      } else {
        v.outcome = Outcome::kRetry;
        v.status = v.deferred.front().code;
        if (!v.refused.empty())
          v.recipients_after = addresses(v.deferred);
      }
      v.error = bounded(std::move(error));
      return v;
    }
    v = SmtpVerdict{};  // some accepted, then the connection failed: a network error
  }

  // A reply that said no to the message as a whole: 5xx for good, 4xx for now.
  if (last && last->code >= 400 && last->stage != SmtpStage::kRcpt) {
    v.status = last->code;
    if (permanent(last->code)) {
      v.outcome = Outcome::kFailed;
      v.error = bounded(
          fmt::format("{} (reply to {}, not retried)", last->text, stage_name(last->stage)));
    } else {
      v.outcome = Outcome::kRetry;
      v.error = bounded(fmt::format("{} (reply to {})", last->text, stage_name(last->stage)));
    }
    return v;
  }

  // No answer that says why: a network, TLS or time-out error.
  v.outcome = Outcome::kRetry;
  v.status = 0;
  v.error = bounded(std::string(curl_error));
  return v;
}

}  // namespace autorules::outbox::internal
