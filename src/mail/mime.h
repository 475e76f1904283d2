// Email as bytes (docs/mail.md): an outgoing email built into RFC 5322 bytes, an incoming RFC 822
// message parsed into a structure, addresses parsed and formatted, HTML bodies turned into text.
// MIME itself is GMime's (building, parsing, encoded words, charsets); HTML is read by libxml2's
// HTML parser. Neither library's headers leave mime.cc and html_text.cc.
//
// Outgoing: text/plain alone, or multipart/alternative (text/plain, then text/html) when there is
// an HTML body, inside multipart/mixed when there are attachments; UTF-8 bodies in 7bit,
// quoted-printable or base64 (whichever is shortest and safe), ending with a line end (one is
// added when missing); attachments in base64; CRLF line ends; non-ASCII names, subjects and header
// values as UTF-8 RFC 2047 encoded words (file names as RFC 2231 parameters), long headers
// folded. No value can add a header: line breaks and other control characters in names, the
// subject, header values and file names become spaces; an address, a message id, a content id or
// a header name that cannot be written as it is is refused.
//
// Incoming: every value in a message is hostile. Its size, its number of parts, how deeply its
// parts nest and the size of its headers are bounded (ParseLimits); defects of real mail are
// tolerated (8-bit headers in UTF-8 or Latin-1, unknown or wrong charsets, no MIME-Version, bare
// LF line ends, an mbox "From " line first); every text kept is valid UTF-8 on one line (but the
// bodies), and attachment names are never paths.
//
// Errors: build_mime throws common::ValueError for a value it refuses; parse_mime throws
// common::UserError for bytes that are not a message, or exceed a limit. The other functions do
// not throw (but std::bad_alloc).
// Thread-safety: every function may be called from any number of threads at once; nothing is
// shared between calls (GMime and libxml2 are initialised once per process, on first use).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/datetime.h"

namespace autorules::mail {

// A mailbox: `"name" <email>`, or a bare address when name is empty.
struct Address {
  std::string name;   // UTF-8, decoded
  std::string email;  // addr-spec, e.g. "jane@example.com"
  friend bool operator==(const Address&, const Address&) = default;
};

struct Attachment {
  std::string filename;      // UTF-8; on parsing, without any directory part
  std::string content_type;  // "type/subtype", lower case ("application/octet-stream" if unknown)
  std::string content_id;    // without angle brackets; an inline part (cid: URL) when set
  std::string data;          // the raw (decoded) bytes
};

struct OutgoingEmail {
  Address from;
  std::vector<Address> to, cc;  // Bcc is an envelope matter: never written
  std::optional<Address> reply_to;
  std::string subject;
  std::string body_html;                // may be empty
  std::string body_text;                // empty: html_to_text(body_html)
  std::string message_id;               // "<...>", required
  std::string in_reply_to;              // "<...>" or empty
  std::vector<std::string> references;  // "<...>" each, in order
  common::DateTime date;                // the Date header (UTC)
  // Further headers in order (X-Odoo-Objects, Auto-Submitted, Return-Path, ...). The headers the
  // fields above write, Sender, Bcc, Received, MIME-Version and Content-* are refused here.
  std::vector<std::pair<std::string, std::string>> headers;
  std::vector<Attachment> attachments;  // with a content_id: inline, else attachment
};

// The message as RFC 5322 bytes, CRLF line ends (see the top of this file). Throws
// common::ValueError, naming the value, when the message id (or a referenced one) is not one
// "<...>" token, an address is not a plain addr-spec (no space, control character or <>,;:"
// and an "@" inside), a header name is not printable ASCII without ":" or is one of the
// message's own, or a content id is not printable ASCII without spaces and <>.
std::string build_mime(const OutgoingEmail& email);

struct ParseLimits {
  std::size_t max_bytes = 25u << 20;  // the whole message
  std::size_t max_parts = 100;        // MIME entities of every kind, the top one included
  std::size_t max_depth = 10;  // nesting: a part alone is 1, each multipart or message/rfc822 +1
  // Header fields of the message and of all its parts together: how many, and their bytes.
  std::size_t max_headers = 10000;
  std::size_t max_header_bytes = 512u << 10;
};

struct ParsedEmail {
  std::string message_id;   // "<...>"; "<seconds.random@localhost>" when the message has none
  std::string in_reply_to;  // "<...>" or ""
  std::vector<std::string> references;  // "<...>" each, in order; the last 100 at most
  Address from;                         // the first From
  std::vector<Address> to, cc, delivered_to;
  std::string subject;                   // encoded words decoded, UTF-8
  std::optional<common::DateTime> date;  // in UTC; nullopt when absent or unparsable
  // The inline text/plain and text/html parts (several are joined by a blank line for text, by a
  // newline for HTML), in UTF-8 whatever charset they declared; text line ends are "\n".
  std::string body_text, body_html;
  // Every other leaf part (named parts, inline images with a content id, delivery reports) and
  // each enclosed message/rfc822 (its bytes, "message.eml" unless named). Unnamed parts are named
  // "attachment".
  std::vector<Attachment> attachments;
  std::string auto_submitted;  // the Auto-Submitted header, "" when absent
  std::string content_type;    // the top-level type, lower case, e.g. "multipart/report"
  // A delivery report: multipart/report, or a message/delivery-status part anywhere, or a From
  // whose local part is mailer-daemon (any case).
  bool is_bounce = false;
  // Of a delivery report: the address of its first Final-Recipient (else Original-Recipient), and
  // the Message-Id of the enclosed original message or headers ("<...>"); "" when not found.
  std::string bounced_recipient;
  std::string bounced_message_id;
  // These headers when present (unfolded, encoded words decoded), by their names as written
  // here: X-Odoo-Message-Id, Precedence, X-Autoreply, X-Autorespond, List-Id, Return-Path,
  // X-Auto-Response-Suppress.
  std::map<std::string, std::string> headers;
};

// Parses one RFC 822 message. Throws common::UserError, with a message for a person, when
// `bytes` is empty, over limits.max_bytes, has no message header at all (garbage, not an email),
// has more than limits.max_parts parts, nests deeper than limits.max_depth, or has more header
// fields or header bytes than limits.max_headers and max_header_bytes. Its cost is bounded by the
// limits: GMime never reads more header fields, nor makes objects of more parts (a quick count of
// the lines that can start parts refuses a message that could exceed max_parts many times over).
ParsedEmail parse_mime(std::string_view bytes, const ParseLimits& limits = {});

// The text of an HTML body, for the text/plain part and for display. Block elements (p, div,
// headings, lists, tables, blockquote, ...) end lines, paragraphs are separated by one blank line,
// <br> is a line break, list items start with "- ", table cells are separated by a space, links
// read "text [url]" unless the url says the same as the text (or is only a fragment or
// javascript:), images give their alt text; scripts, styles and the head are dropped, entities
// decoded, white space collapsed (but inside <pre>). Invalid UTF-8 becomes U+FFFD.
std::string html_to_text(std::string_view html);

// The mailboxes of an address list ("a@b.c, \"Name\" <d@e.f>, Group: g@h.i;"), encoded words
// decoded, groups flattened, in order; entries that are not addresses are skipped.
std::vector<Address> parse_address_list(std::string_view text);

// `"Name" <email>` as written in a header: the name quoted when it needs to be and as encoded
// words when it is not ASCII; the bare address when the name is empty.
std::string format_address(const Address& address);

}  // namespace autorules::mail
