// MIME building and parsing with GMime 3 (mail/mime.h). glib and GMime stay in this file (it is
// compiled outside the library's unity batches), and each of their handles has one RAII owner.
#include "mail/mime.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gmime/gmime.h>

#include "common/clock.h"
#include "common/errors.h"
#include "common/text.h"

namespace autorules::mail {

namespace {

using common::UserError;
using common::ValueError;

// GMime's global state (its type registry, charset tables and iconv cache) is set up once per
// process; afterwards GMime may be used from any thread as long as no object is shared.
void init_gmime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

// The one owner of each GObject reference (messages, parts, streams, parsers, address lists).
struct ObjectUnref {
  void operator()(gpointer object) const { g_object_unref(object); }
};
template <class T>
using Ref = std::unique_ptr<T, ObjectUnref>;

struct GFree {
  void operator()(gpointer memory) const { g_free(memory); }
};
using GText = std::unique_ptr<char, GFree>;

struct ParserOptionsFree {
  void operator()(GMimeParserOptions* options) const { g_mime_parser_options_free(options); }
};
using ParserOptions = std::unique_ptr<GMimeParserOptions, ParserOptionsFree>;

struct FormatOptionsFree {
  void operator()(GMimeFormatOptions* options) const { g_mime_format_options_free(options); }
};
using FormatOptions = std::unique_ptr<GMimeFormatOptions, FormatOptionsFree>;

struct ReferencesFree {
  void operator()(GMimeReferences* references) const { g_mime_references_free(references); }
};
using References = std::unique_ptr<GMimeReferences, ReferencesFree>;

struct DateTimeUnref {
  void operator()(GDateTime* date) const { g_date_time_unref(date); }
};

std::string text_or_empty(const char* text) {
  return text != nullptr ? std::string(text) : std::string();
}

// `text` with every invalid UTF-8 sequence replaced by U+FFFD and NUL bytes dropped.
std::string valid_utf8(std::string_view text) {
  std::string without_nul;
  if (text.find('\0') != std::string_view::npos) {
    without_nul.reserve(text.size());
    for (char c : text) {
      if (c != '\0')
        without_nul.push_back(c);
    }
    text = without_nul;
  }
  if (g_utf8_validate(text.data(), static_cast<gssize>(text.size()), nullptr))
    return std::string(text);
  GText valid(g_utf8_make_valid(text.data(), static_cast<gssize>(text.size())));
  return std::string(valid.get());
}

std::string_view trim(std::string_view text) {
  const auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

// `text` on one line: each run of control characters (CR, LF, TAB, ...), with the spaces around
// it, becomes one space, the ends are trimmed, and the result is valid UTF-8. What makes header
// injection impossible (and unfolds a folded value).
std::string one_line(std::string_view text) {
  std::string line;
  line.reserve(text.size());
  bool in_break = false;  // in a run of control characters and spaces that had a control one
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_control(byte)) {
      while (!line.empty() && line.back() == ' ')
        line.pop_back();
      in_break = true;
      continue;
    }
    if (in_break && byte == ' ')
      continue;
    if (in_break && !line.empty())
      line.push_back(' ');
    in_break = false;
    line.push_back(c);
  }
  return valid_utf8(trim(line));
}

std::string ascii_lower(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z')
      c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

bool iequals(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return g_ascii_tolower(x) == g_ascii_tolower(y); });
}

bool starts_with_icase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

// How a refused value is shown in its error message: control characters escaped, long
// values cut.
std::string shown(std::string_view value) {
  std::string text;
  for (char c : value.substr(0, 200)) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_control(byte))
      text += fmt::format("\\x{:02x}", byte);
    else
      text.push_back(c);
  }
  if (value.size() > 200)
    text += "...";
  return "'" + text + "'";
}

// ---------------------------------------------------------------------------------------------
// Building

// The longest message id, address or content id accepted (and message id kept when parsing): a
// header line may not exceed 998 characters (RFC 5322 2.1.1), and these cannot be folded.
constexpr std::size_t kMaxTokenLength = 900;

// "<left@right>": printable ASCII without spaces and angle brackets inside one pair of them.
bool is_message_id(std::string_view id) {
  if (id.size() < 3 || id.size() > kMaxTokenLength || id.front() != '<' || id.back() != '>')
    return false;
  return std::all_of(id.begin() + 1, id.end() - 1,
                     [](char c) { return c > ' ' && c < 0x7f && c != '<' && c != '>'; });
}

void check_message_id(std::string_view id, std::string_view what) {
  if (!is_message_id(id)) {
    throw ValueError(fmt::format(
        "The email's {} {} is not a message id: it must be one <...> token of printable ASCII "
        "without spaces.",
        what, shown(id)));
  }
}

// A plain addr-spec: no space, control character or <>,;:"\ (which would need quoting or could
// start another address), an "@" with something on both sides, valid UTF-8.
bool is_addr_spec(std::string_view email) {
  if (email.empty() || email.size() > kMaxTokenLength)
    return false;
  for (char c : email) {
    const auto byte = static_cast<unsigned char>(c);
    if (is_control(byte) || byte == ' ' ||
        std::string_view("<>,;:\"\\()").find(c) != std::string_view::npos)
      return false;
  }
  const std::size_t at = email.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == email.size())
    return false;
  return g_utf8_validate(email.data(), static_cast<gssize>(email.size()), nullptr);
}

void check_address(const Address& address, std::string_view what) {
  if (!is_addr_spec(address.email)) {
    throw ValueError(fmt::format("The email's {} address {} is not a valid email address.", what,
                                 shown(address.email)));
  }
}

// The headers that the fields of OutgoingEmail write, or GMime itself (MIME-Version, Content-*):
// given again as extra headers they would contradict them.
bool is_own_header(std::string_view name) {
  static constexpr std::array<std::string_view, 13> kOwn = {
      "from",       "sender",      "to",         "cc",   "bcc",          "reply-to", "subject",
      "message-id", "in-reply-to", "references", "date", "mime-version", "received"};
  const std::string lower = ascii_lower(name);
  return std::find(kOwn.begin(), kOwn.end(), lower) != kOwn.end() || lower.starts_with("content-");
}

void check_header_name(std::string_view name) {
  const bool printable =
      !name.empty() && name.size() <= 76 &&
      std::all_of(name.begin(), name.end(), [](char c) { return c > ' ' && c < 0x7f && c != ':'; });
  if (!printable) {
    throw ValueError(fmt::format(
        "The email header name {} is not valid: it must be 1 to 76 printable ASCII characters "
        "without spaces or ':'.",
        shown(name)));
  }
  if (is_own_header(name)) {
    throw ValueError(fmt::format(
        "The email header {} cannot be given as an extra header: the message sets it itself.",
        shown(name)));
  }
}

// The content id without its angle brackets; printable ASCII without spaces and <>.
std::string checked_content_id(std::string_view id) {
  if (id.size() >= 2 && id.front() == '<' && id.back() == '>')
    id = id.substr(1, id.size() - 2);
  const bool valid =
      !id.empty() && id.size() <= kMaxTokenLength && std::all_of(id.begin(), id.end(), [](char c) {
        return c > ' ' && c < 0x7f && c != '<' && c != '>';
      });
  if (!valid) {
    throw ValueError(fmt::format(
        "The attachment's content id {} is not valid: it must be printable ASCII without spaces "
        "or <>.",
        shown(id)));
  }
  return std::string(id);
}

// "type/subtype" when both are RFC 2045 tokens, else application/octet-stream.
std::pair<std::string, std::string> media_type(std::string_view content_type) {
  const auto is_token = [](std::string_view token) {
    return !token.empty() && token.size() <= 127 &&
           std::all_of(token.begin(), token.end(), [](char c) {
             return c > ' ' && c < 0x7f &&
                    std::string_view("()<>@,;:\\\"/[]?=").find(c) == std::string_view::npos;
           });
  };
  content_type = trim(content_type);
  const std::size_t slash = content_type.find('/');
  if (slash != std::string_view::npos) {
    const std::string_view type = content_type.substr(0, slash);
    const std::string_view subtype = content_type.substr(slash + 1);
    if (is_token(type) && is_token(subtype))
      return {ascii_lower(type), ascii_lower(subtype)};
  }
  return {"application", "octet-stream"};
}

// Sets `bytes` as the part's content, not yet encoded (the encoding is chosen when writing).
void set_content(GMimePart* part, std::string_view bytes) {
  Ref<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  Ref<GMimeDataWrapper> wrapper(
      g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
  g_mime_part_set_content(part, wrapper.get());
}

std::string lf_to_crlf(std::string_view text) {
  std::string crlf;
  crlf.reserve(text.size() + text.size() / 32);
  for (char c : text) {
    if (c == '\n')
      crlf.push_back('\r');
    crlf.push_back(c);
  }
  return crlf;
}

std::string crlf_to_lf(std::string_view text) {
  std::string lf;
  lf.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
      continue;
    lf.push_back(text[i]);
  }
  return lf;
}

// A text/<subtype> part in UTF-8, in 7bit when it is short-lined ASCII, else in quoted-printable
// or base64, whichever GMime finds shorter for it.
Ref<GMimeTextPart> text_part(const char* subtype, std::string_view text) {
  Ref<GMimeTextPart> part(g_mime_text_part_new_with_subtype(subtype));
  // Text ends with a line end: GMime adds one to a 7bit or quoted-printable part that has none
  // (its boundary must start a line), not to a base64 one, and the text read back should not
  // depend on the encoding chosen.
  std::string content = crlf_to_lf(valid_utf8(text));
  if (!content.empty() && content.back() != '\n')
    content.push_back('\n');
  set_content(GMIME_PART(part.get()), content);
  g_mime_text_part_set_charset(part.get(), "utf-8");
  const GMimeContentEncoding encoding =
      g_mime_part_get_best_content_encoding(GMIME_PART(part.get()), GMIME_ENCODING_CONSTRAINT_7BIT);
  // Quoted-printable writes each "\n" as a line break (CRLF once written); base64 encodes the
  // bytes as they are, so text is put in its canonical CRLF form first (RFC 2045 6.8).
  if (encoding == GMIME_CONTENT_ENCODING_BASE64)
    set_content(GMIME_PART(part.get()), lf_to_crlf(content));
  g_mime_part_set_content_encoding(GMIME_PART(part.get()), encoding);
  return part;
}

Ref<GMimePart> attachment_part(const Attachment& attachment) {
  const auto [type, subtype] = media_type(attachment.content_type);
  Ref<GMimePart> part(g_mime_part_new_with_type(type.c_str(), subtype.c_str()));
  set_content(part.get(), attachment.data);
  g_mime_part_set_content_encoding(part.get(), GMIME_CONTENT_ENCODING_BASE64);
  std::string filename = one_line(attachment.filename);
  if (!attachment.content_id.empty()) {
    g_mime_object_set_disposition(GMIME_OBJECT(part.get()), GMIME_DISPOSITION_INLINE);
    g_mime_part_set_content_id(part.get(), checked_content_id(attachment.content_id).c_str());
  } else {
    g_mime_object_set_disposition(GMIME_OBJECT(part.get()), GMIME_DISPOSITION_ATTACHMENT);
    if (filename.empty())
      filename = "attachment";
  }
  if (!filename.empty()) {
    g_mime_part_set_filename(part.get(), filename.c_str());
    // RFC 2231 parameters in UTF-8 too, whatever the name.
    GMimeObject* object = GMIME_OBJECT(part.get());
    for (GMimeParamList* params :
         {g_mime_content_disposition_get_parameters(g_mime_object_get_content_disposition(object)),
          g_mime_content_type_get_parameters(g_mime_object_get_content_type(object))}) {
      for (const char* name : {"filename", "name"}) {
        if (GMimeParam* param = g_mime_param_list_get_parameter(params, name))
          g_mime_param_set_charset(param, "utf-8");
      }
    }
  }
  return part;
}

void add_mailbox(GMimeMessage* message, GMimeAddressType type, const Address& address,
                 std::string_view what) {
  check_address(address, what);
  const std::string name = one_line(address.name);
  Ref<InternetAddress> mailbox(
      internet_address_mailbox_new(name.empty() ? nullptr : name.c_str(), address.email.c_str()));
  // Encoded words in UTF-8 whatever the name (GMime would pick Latin-1 when it is enough).
  internet_address_set_charset(mailbox.get(), "utf-8");
  internet_address_list_add(g_mime_message_get_addresses(message, type), mailbox.get());
}

// The bytes of a GMime object as written with CRLF line ends.
std::string write_crlf(GMimeObject* object) {
  FormatOptions options(g_mime_format_options_new());
  g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
  Ref<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, options.get(), stream.get());
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

// ---------------------------------------------------------------------------------------------
// Parsing

// The headers of ParsedEmail::headers, as they are named there.
constexpr std::array<const char*, 7> kKeptHeaders = {
    "X-Odoo-Message-Id",       "Precedence", "X-Autoreply",
    "X-Autorespond",           "List-Id",    "Return-Path",
    "X-Auto-Response-Suppress"};

// At least one of these makes bytes a message; garbage has none.
constexpr std::array<const char*, 12> kMessageHeaders = {
    "From",       "Sender",   "To",          "Cc",           "Subject",      "Date",
    "Message-Id", "Received", "Return-Path", "Delivered-To", "MIME-Version", "Reply-To"};

// The most references kept (the newest ones): routing a reply looks at the last 32 at most.
constexpr std::size_t kMaxReferences = 100;

// Options for a parse: lenient with real-world defects, 8-bit header bytes read as UTF-8 when they
// are, else as Windows-1252 (which Latin-1 mail nearly always is), else Latin-1 (any byte).
ParserOptions parser_options() {
  ParserOptions options(g_mime_parser_options_new());
  static const char* kFallback[] = {"utf-8", "windows-1252", "iso-8859-1", nullptr};
  g_mime_parser_options_set_fallback_charsets(options.get(), kFallback);
  g_mime_parser_options_set_address_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_rfc2047_compliance_mode(options.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  return options;
}

// `bytes` in the charset the part declared, as UTF-8: the declared charset when it converts the
// whole text, else whichever of it, UTF-8, Windows-1252 and Latin-1 converts most (GMime's
// choice). ISO-8859-1 text with bytes in 0x80-0x9f is read as Windows-1252, as browsers do.
std::string to_utf8(std::string_view bytes, const char* declared) {
  std::string charset = declared != nullptr ? ascii_lower(trim(declared)) : std::string();
  const bool utf8 = charset.empty() || charset == "utf-8" || charset == "utf8" ||
                    charset == "us-ascii" || charset == "ascii";
  if (utf8 && g_utf8_validate(bytes.data(), static_cast<gssize>(bytes.size()), nullptr))
    return valid_utf8(bytes);
  if (!charset.empty() && !utf8) {
    const char* canonical = g_mime_charset_canon_name(charset.c_str());
    if (canonical != nullptr && iequals(canonical, "iso-8859-1") &&
        std::any_of(bytes.begin(), bytes.end(), [](char c) {
          const auto byte = static_cast<unsigned char>(c);
          return byte >= 0x80 && byte <= 0x9f;
        })) {
      charset = "windows-1252";
    }
    gsize written = 0;
    GError* error = nullptr;
    GText converted(g_convert(bytes.data(), static_cast<gssize>(bytes.size()), "UTF-8",
                              g_mime_charset_iconv_name(charset.c_str()), nullptr, &written,
                              &error));
    if (error != nullptr)
      g_error_free(error);
    if (converted)
      return valid_utf8(std::string_view(converted.get(), written));
  }
  // Unknown charset or bytes invalid in it: GMime's best guess. Its result ends at the first NUL,
  // so there must be none (a charset with NUL bytes, UTF-16, was handled above when declared).
  std::string without_nul(bytes);
  std::erase(without_nul, '\0');
  ParserOptions options(g_mime_parser_options_new());
  std::vector<const char*> charsets;
  if (!charset.empty())
    charsets.push_back(charset.c_str());
  for (const char* fallback : {"utf-8", "windows-1252", "iso-8859-1"})
    charsets.push_back(fallback);
  charsets.push_back(nullptr);
  g_mime_parser_options_set_fallback_charsets(options.get(), charsets.data());
  GText decoded(g_mime_utils_decode_8bit(options.get(), without_nul.data(), without_nul.size()));
  return valid_utf8(decoded.get());
}

// The decoded (transfer encoding undone) bytes of a leaf part.
std::string part_bytes(GMimePart* part) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (content == nullptr)
    return {};
  Ref<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_data_wrapper_write_to_stream(content, stream.get());
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

std::string object_bytes(GMimeObject* object) {
  Ref<GMimeStream> stream(g_mime_stream_mem_new());
  g_mime_object_write_to_stream(object, nullptr, stream.get());
  const GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(stream.get()));
  return std::string(reinterpret_cast<const char*>(bytes->data), bytes->len);
}

std::string mime_type_of(GMimeObject* object) {
  GMimeContentType* content_type = g_mime_object_get_content_type(object);
  if (content_type == nullptr)
    return "application/octet-stream";
  GText type(g_mime_content_type_get_mime_type(content_type));
  return type ? ascii_lower(type.get()) : "application/octet-stream";
}

// Appends the mailboxes of `list` (groups flattened) to `out`.
void append_mailboxes(InternetAddressList* list, std::vector<Address>& out) {
  if (list == nullptr)
    return;
  const int count = internet_address_list_length(list);
  for (int i = 0; i < count; ++i) {
    InternetAddress* address = internet_address_list_get_address(list, i);
    if (INTERNET_ADDRESS_IS_GROUP(address)) {
      // Groups within groups are not valid syntax, so this recursion is one level deep.
      append_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(address)), out);
      continue;
    }
    if (!INTERNET_ADDRESS_IS_MAILBOX(address))
      continue;
    std::string email = one_line(
        text_or_empty(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(address))));
    if (email.empty() || email.find(' ') != std::string::npos)
      continue;
    out.push_back(
        Address{one_line(text_or_empty(internet_address_get_name(address))), std::move(email)});
  }
}

std::vector<Address> parse_addresses(GMimeParserOptions* options, const char* text) {
  std::vector<Address> addresses;
  if (text == nullptr)
    return addresses;
  Ref<InternetAddressList> list(internet_address_list_parse(options, text));
  append_mailboxes(list.get(), addresses);
  return addresses;
}

// The message ids of a References or In-Reply-To value, "<...>" each.
std::vector<std::string> message_ids(GMimeParserOptions* options, const char* text) {
  std::vector<std::string> ids;
  if (text == nullptr)
    return ids;
  References references(g_mime_references_parse(options, text));
  if (!references)
    return ids;
  const int count = g_mime_references_length(references.get());
  for (int i = 0; i < count; ++i) {
    const std::string id =
        one_line(text_or_empty(g_mime_references_get_message_id(references.get(), i)));
    if (!id.empty() && id.find(' ') == std::string::npos && id.size() <= kMaxTokenLength)
      ids.push_back("<" + id + ">");
  }
  return ids;
}

// The message id of a parsed message, "<...>", or "".
std::string message_id_of(GMimeMessage* message) {
  const std::string id = one_line(text_or_empty(g_mime_message_get_message_id(message)));
  if (id.empty() || id.find(' ') != std::string::npos || id.size() > kMaxTokenLength)
    return {};
  return "<" + id + ">";
}

// The address of the first Final-Recipient field of a message/delivery-status body (else of
// Original-Recipient): "rfc822; jane@example.com" gives "jane@example.com".
std::string dsn_recipient(std::string_view status) {
  std::string original;
  while (!status.empty()) {
    const std::size_t end = status.find('\n');
    const std::string_view line = status.substr(0, end);
    status = end == std::string_view::npos ? std::string_view() : status.substr(end + 1);
    const bool final = starts_with_icase(line, "final-recipient:");
    if (!final && !starts_with_icase(line, "original-recipient:"))
      continue;
    std::string_view value = line.substr(line.find(':') + 1);
    if (const std::size_t semicolon = value.find(';'); semicolon != std::string_view::npos)
      value = value.substr(semicolon + 1);
    value = trim(value);
    if (value.size() >= 2 && value.front() == '<' && value.back() == '>')
      value = value.substr(1, value.size() - 2);
    std::string address = one_line(value);
    if (!is_addr_spec(address))
      continue;
    if (final)
      return address;
    if (original.empty())
      original = std::move(address);
  }
  return original;
}

// The file name of a received part: without any directory (a name is never a path), on one line,
// at most 255 bytes; "attachment" when nothing is left.
std::string safe_filename(const char* name) {
  std::string filename = one_line(text_or_empty(name));
  if (const std::size_t slash = filename.find_last_of("/\\"); slash != std::string::npos)
    filename.erase(0, slash + 1);
  filename = std::string(trim(filename));
  if (filename.size() > 255) {
    std::size_t cut = 255;
    while (cut > 0 && (static_cast<unsigned char>(filename[cut]) & 0xC0) == 0x80)
      --cut;
    filename.resize(cut);
  }
  if (filename.empty() || filename == "." || filename == "..")
    return "attachment";
  return filename;
}

// An upper bound on the number of MIME entities GMime will make of `bytes`, counted before it
// parses them: every part after the first of a multipart follows a line starting with "--" (a
// boundary), and every nested message or multipart has a Content-Type line. Refusing on this
// count keeps a small message with a huge number of tiny parts from costing GMime objects
// (hundreds of bytes each) by the million before the exact count can refuse it.
std::size_t structural_lines(std::string_view bytes) {
  std::size_t count = 0;
  std::size_t start = 0;
  while (start < bytes.size()) {
    const std::size_t end = bytes.find('\n', start);
    const std::string_view line =
        bytes.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    if (line.starts_with("--") || starts_with_icase(line, "content-type:"))
      ++count;
    if (end == std::string_view::npos)
      break;
    start = end + 1;
  }
  return count;
}

// Counts the header fields GMime reads (of the message and of every part) as it reads them, and
// ends the parse early when they exceed the limits: GMime keeps each field as objects of a few
// hundred bytes, and parses address lists, references and parameters into more, so that a few
// megabytes of tiny fields would otherwise cost gigabytes and minutes. Ending the input (the
// stream moved to its end) is how a parse is stopped: GMime then completes the message with what
// it has, which the caller discards. The field that goes over is emptied first (GMime hands this
// callback the buffer it keeps, its own writable copy), since one field of megabytes is itself
// what costs: an address list, a Content-Type with a million parameters.
struct HeaderBudget {
  GMimeStream* stream = nullptr;
  std::size_t max_headers = 0, max_bytes = 0;
  std::size_t headers = 0, bytes = 0;
  bool exceeded = false;

  static void count(GMimeParser* /*parser*/, const char* name, const char* value, gint64 /*offset*/,
                    gpointer data) {
    auto* budget = static_cast<HeaderBudget*>(data);
    budget->headers += 1;
    budget->bytes += std::strlen(name) + std::strlen(value) + 2;
    if (!budget->exceeded &&
        (budget->headers > budget->max_headers || budget->bytes > budget->max_bytes)) {
      budget->exceeded = true;
      g_mime_stream_seek(budget->stream, 0, GMIME_STREAM_SEEK_END);
    }
    if (budget->exceeded && *value != '\0')
      const_cast<char*>(value)[0] = '\0';
  }
};

// Parses `bytes` as a message within the header limits of `limits`; nullptr when GMime makes no
// message of them. `options` must outlive the message (its headers point to them).
Ref<GMimeMessage> construct_message(std::string_view bytes, GMimeParserOptions* options,
                                    const ParseLimits& limits, bool& headers_exceeded) {
  Ref<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
  Ref<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  HeaderBudget budget{stream.get(), limits.max_headers, limits.max_header_bytes};
  g_mime_parser_set_header_regex(parser.get(), "^", &HeaderBudget::count, &budget);
  Ref<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), options));
  headers_exceeded = budget.exceeded;
  return message;
}

[[noreturn]] void too_many_parts(const ParseLimits& limits) {
  throw UserError(
      fmt::format("The email has too many MIME parts (more than {}).", limits.max_parts));
}

// What a walk over the parts collects, beside the limits it checks.
class PartWalker {
 public:
  PartWalker(const ParseLimits& limits, ParsedEmail& email) : limits_(limits), email_(email) {}

  // Visits `object` at nesting `depth` (1 for the top part) and everything inside it.
  void visit(GMimeObject* object, std::size_t depth, bool collect) {
    if (object == nullptr)
      return;
    if (++parts_ > limits_.max_parts)
      too_many_parts(limits_);
    if (depth > limits_.max_depth) {
      throw UserError(fmt::format("The email's MIME parts nest too deeply (more than {} levels).",
                                  limits_.max_depth));
    }
    if (GMIME_IS_MULTIPART(object)) {
      GMimeMultipart* multipart = GMIME_MULTIPART(object);
      const int count = g_mime_multipart_get_count(multipart);
      for (int i = 0; i < count; ++i)
        visit(g_mime_multipart_get_part(multipart, i), depth + 1, collect);
      return;
    }
    if (GMIME_IS_MESSAGE_PART(object)) {
      GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(object));
      if (inner != nullptr) {
        // Its parts count against the limits, but its text is its own, not this message's body.
        visit(g_mime_message_get_mime_part(inner), depth + 1, false);
        if (collect && enclosed_message_id_.empty())
          enclosed_message_id_ = message_id_of(inner);
      }
      if (collect) {
        std::string filename =
            text_or_empty(g_mime_object_get_content_disposition_parameter(object, "filename"));
        if (filename.empty())
          filename = text_or_empty(g_mime_object_get_content_type_parameter(object, "name"));
        email_.attachments.push_back(
            Attachment{filename.empty() ? "message.eml" : safe_filename(filename.c_str()),
                       mime_type_of(object), content_id_of(object),
                       inner != nullptr ? object_bytes(GMIME_OBJECT(inner)) : std::string()});
      }
      return;
    }
    if (collect && GMIME_IS_PART(object))
      leaf(GMIME_PART(object));
  }

  const std::string& enclosed_message_id() const { return enclosed_message_id_; }

 private:
  static std::string content_id_of(GMimeObject* object) {
    return one_line(text_or_empty(g_mime_object_get_content_id(object)));
  }

  void leaf(GMimePart* part) {
    GMimeObject* object = GMIME_OBJECT(part);
    const std::string type = mime_type_of(object);
    const char* filename = g_mime_part_get_filename(part);
    const bool named = filename != nullptr && *filename != '\0';
    const char* disposition = g_mime_object_get_disposition(object);
    const bool attached = disposition != nullptr && iequals(trim(disposition), "attachment");
    if ((type == "text/plain" || type == "text/html") && !named && !attached) {
      const std::string text = crlf_to_lf(
          to_utf8(part_bytes(part), g_mime_object_get_content_type_parameter(object, "charset")));
      std::string& body = type == "text/plain" ? email_.body_text : email_.body_html;
      if (!body.empty() && !text.empty())
        body += type == "text/plain" ? "\n\n" : "\n";
      body += text;
      return;
    }
    std::string data = part_bytes(part);
    if (type == "message/delivery-status") {
      email_.is_bounce = true;
      if (email_.bounced_recipient.empty())
        email_.bounced_recipient = dsn_recipient(data);
    } else if (type == "text/rfc822-headers" && enclosed_message_id_.empty()) {
      enclosed_message_id_ = headers_message_id(data);
    }
    email_.attachments.push_back(
        Attachment{safe_filename(filename), type, content_id_of(object), std::move(data)});
  }

  // The Message-Id among the headers of a text/rfc822-headers part ("" when they exceed the
  // header limits: they are only a hint).
  std::string headers_message_id(std::string_view headers) const {
    std::size_t end = headers.find("\n\n");
    if (const std::size_t crlf = headers.find("\r\n\r\n"); crlf < end)
      end = crlf;
    std::string block(headers.substr(0, end));
    block += "\n\n";
    const ParserOptions options = parser_options();
    bool exceeded = false;
    Ref<GMimeMessage> message = construct_message(block, options.get(), limits_, exceeded);
    return message && !exceeded ? message_id_of(message.get()) : std::string();
  }

  const ParseLimits& limits_;
  ParsedEmail& email_;
  std::size_t parts_ = 0;
  std::string enclosed_message_id_;
};

std::string generated_message_id() {
  return fmt::format("<{}.{}@localhost>", common::SystemClock::instance().now().seconds,
                     common::random_hex(8));
}

bool from_mailer_daemon(const Address& from) {
  const std::string_view email = from.email;
  return iequals(email.substr(0, email.find('@')), "mailer-daemon");
}

}  // namespace

// ---------------------------------------------------------------------------------------------

std::string build_mime(const OutgoingEmail& email) {
  init_gmime();
  check_message_id(email.message_id, "Message-Id");
  if (!email.in_reply_to.empty())
    check_message_id(email.in_reply_to, "In-Reply-To");
  for (const std::string& reference : email.references)
    check_message_id(reference, "References entry");
  for (const auto& [name, value] : email.headers)
    check_header_name(name);

  Ref<GMimeMessage> message(g_mime_message_new(TRUE));
  GMimeObject* object = GMIME_OBJECT(message.get());
  add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, email.from, "From");
  for (const Address& to : email.to)
    add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, to, "To");
  for (const Address& cc : email.cc)
    add_mailbox(message.get(), GMIME_ADDRESS_TYPE_CC, cc, "Cc");
  if (email.reply_to)
    add_mailbox(message.get(), GMIME_ADDRESS_TYPE_REPLY_TO, *email.reply_to, "Reply-To");
  g_mime_message_set_subject(message.get(), one_line(email.subject).c_str(), "utf-8");
  {
    std::unique_ptr<GDateTime, DateTimeUnref> date(
        g_date_time_new_from_unix_utc(email.date.seconds));
    if (date)
      g_mime_message_set_date(message.get(), date.get());
  }
  const std::string id = email.message_id.substr(1, email.message_id.size() - 2);
  g_mime_message_set_message_id(message.get(), id.c_str());
  if (!email.in_reply_to.empty())
    g_mime_object_set_header(object, "In-Reply-To", email.in_reply_to.c_str(), nullptr);
  if (!email.references.empty()) {
    std::string references;
    for (const std::string& reference : email.references) {
      if (!references.empty())
        references += ' ';
      references += reference;
    }
    g_mime_object_set_header(object, "References", references.c_str(), nullptr);
  }
  for (const auto& [name, value] : email.headers)
    g_mime_object_append_header(object, name.c_str(), one_line(value).c_str(), "utf-8");

  Ref<GMimeTextPart> plain =
      text_part("plain", email.body_text.empty() ? html_to_text(email.body_html) : email.body_text);
  Ref<GMimeObject> body;
  if (email.body_html.empty()) {
    body.reset(GMIME_OBJECT(plain.release()));
  } else {
    Ref<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
    g_mime_multipart_add(alternative.get(), GMIME_OBJECT(plain.get()));
    Ref<GMimeTextPart> html = text_part("html", email.body_html);
    g_mime_multipart_add(alternative.get(), GMIME_OBJECT(html.get()));
    body.reset(GMIME_OBJECT(alternative.release()));
  }
  if (!email.attachments.empty()) {
    Ref<GMimeMultipart> mixed(g_mime_multipart_new_with_subtype("mixed"));
    g_mime_multipart_add(mixed.get(), body.get());
    for (const Attachment& attachment : email.attachments) {
      Ref<GMimePart> part = attachment_part(attachment);
      g_mime_multipart_add(mixed.get(), GMIME_OBJECT(part.get()));
    }
    body.reset(GMIME_OBJECT(mixed.release()));
  }
  g_mime_message_set_mime_part(message.get(), body.get());
  return write_crlf(object);
}

ParsedEmail parse_mime(std::string_view bytes, const ParseLimits& limits) {
  if (bytes.empty())
    throw UserError("The email is empty.");
  if (bytes.size() > limits.max_bytes) {
    throw UserError(fmt::format("The email is too large: {} bytes (the limit is {} bytes).",
                                bytes.size(), limits.max_bytes));
  }
  // An mbox "From " line (what a local delivery agent may put first) is not a header.
  if (bytes.starts_with("From ")) {
    const std::size_t end = bytes.find('\n');
    bytes = end == std::string_view::npos ? std::string_view() : bytes.substr(end + 1);
  }
  if (structural_lines(bytes) > 3 * limits.max_parts + 1000)
    too_many_parts(limits);

  init_gmime();
  // The parsed headers point to these options: they must outlive the message.
  const ParserOptions options = parser_options();
  bool headers_exceeded = false;
  const Ref<GMimeMessage> message =
      construct_message(bytes, options.get(), limits, headers_exceeded);
  if (headers_exceeded) {
    throw UserError(fmt::format(
        "The email's headers are too large (more than {} header fields or {} bytes in all).",
        limits.max_headers, limits.max_header_bytes));
  }
  GMimeObject* object = GMIME_OBJECT(message.get());
  GMimeHeaderList* header_list = message ? g_mime_object_get_header_list(object) : nullptr;
  if (header_list == nullptr ||
      std::none_of(kMessageHeaders.begin(), kMessageHeaders.end(), [&](const char* name) {
        return g_mime_header_list_contains(header_list, name);
      })) {
    throw UserError(
        "The data is not an email message: it has none of the headers of one (From, To, "
        "Subject, Date, Message-Id, ...).");
  }

  ParsedEmail email;
  GMimeObject* top = g_mime_message_get_mime_part(message.get());
  PartWalker walker(limits, email);
  walker.visit(top, 1, true);

  email.message_id = message_id_of(message.get());
  if (email.message_id.empty())
    email.message_id = generated_message_id();
  if (auto ids = message_ids(options.get(), g_mime_object_get_header(object, "In-Reply-To"));
      !ids.empty())
    email.in_reply_to = std::move(ids.front());
  email.references = message_ids(options.get(), g_mime_object_get_header(object, "References"));
  if (email.references.size() > kMaxReferences) {
    email.references.erase(email.references.begin(),
                           email.references.end() - static_cast<std::ptrdiff_t>(kMaxReferences));
  }

  std::vector<Address> from;
  append_mailboxes(g_mime_message_get_from(message.get()), from);
  if (!from.empty())
    email.from = std::move(from.front());
  append_mailboxes(g_mime_message_get_to(message.get()), email.to);
  append_mailboxes(g_mime_message_get_cc(message.get()), email.cc);
  const int header_count = g_mime_header_list_get_count(header_list);
  for (int i = 0; i < header_count; ++i) {
    GMimeHeader* header = g_mime_header_list_get_header_at(header_list, i);
    const char* name = g_mime_header_get_name(header);
    if (name != nullptr && iequals(name, "Delivered-To")) {
      for (Address& address : parse_addresses(options.get(), g_mime_header_get_value(header)))
        email.delivered_to.push_back(std::move(address));
    }
  }
  email.subject = one_line(text_or_empty(g_mime_message_get_subject(message.get())));
  if (GDateTime* date = g_mime_message_get_date(message.get()))
    email.date = common::DateTime{g_date_time_to_unix(date)};

  email.auto_submitted =
      one_line(text_or_empty(g_mime_object_get_header(object, "Auto-Submitted")));
  for (const char* name : kKeptHeaders) {
    if (const char* value = g_mime_object_get_header(object, name))
      email.headers.emplace(name, one_line(value));
  }
  email.content_type = top != nullptr ? mime_type_of(top) : "text/plain";
  if (email.content_type == "multipart/report" || from_mailer_daemon(email.from))
    email.is_bounce = true;
  if (email.is_bounce)
    email.bounced_message_id = walker.enclosed_message_id();
  return email;
}

std::vector<Address> parse_address_list(std::string_view text) {
  init_gmime();
  const ParserOptions options = parser_options();
  const std::string terminated(text);
  return parse_addresses(options.get(), terminated.c_str());
}

std::string format_address(const Address& address) {
  init_gmime();
  const std::string name = one_line(address.name);
  std::string email = one_line(address.email);
  std::erase(email, ' ');
  Ref<InternetAddress> mailbox(
      internet_address_mailbox_new(name.empty() ? nullptr : name.c_str(), email.c_str()));
  GText text(internet_address_to_string(mailbox.get(), nullptr, TRUE));
  return text_or_empty(text.get());
}

}  // namespace autorules::mail
