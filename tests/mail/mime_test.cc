// MIME building and parsing (mail/mime.h): built messages parsed back, the raw form of what is
// built (encoded words, CRLF, structure, no injected header), real-world messages written out
// below as they arrive (Thunderbird and Gmail replies, Latin-1, 8-bit headers, attachments and
// inline images, a delivery report, an auto-reply, bare LF), hostile input against the limits,
// HTML to text, and address lists.
#include "mail/mime.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/errors.h"

namespace autorules::mail::test {
namespace {

using common::DateTime;

// `text` with its LF line ends as CRLF, as messages travel.
std::string crlf(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n')
      out += '\r';
    out += c;
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  return out;
}

std::vector<std::string> lines_of(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find("\r\n", start);
    if (end == std::string_view::npos) {
      lines.emplace_back(text.substr(start));
      break;
    }
    lines.emplace_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// The top-level header block of a built message, up to its blank line.
std::string header_block(std::string_view mime) {
  return std::string(mime.substr(0, mime.find("\r\n\r\n")));
}

// The raw value of the first top-level header `name`, unfolded (continuation lines joined).
std::string raw_header(std::string_view mime, std::string_view name) {
  const std::vector<std::string> lines = lines_of(header_block(mime));
  const std::string prefix = lower(name) + ":";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!lower(lines[i]).starts_with(prefix))
      continue;
    std::string value = lines[i].substr(prefix.size());
    for (std::size_t j = i + 1;
         j < lines.size() && (lines[j].starts_with(" ") || lines[j].starts_with("\t")); ++j)
      value += lines[j];
    return value;
  }
  return "(absent)";
}

// Whether any line of the whole message starts a header `name` (in any part).
bool has_header_line(std::string_view mime, std::string_view name) {
  const std::string prefix = lower(name) + ":";
  for (const std::string& line : lines_of(mime)) {
    if (lower(line).starts_with(prefix))
      return true;
  }
  return false;
}

// Every byte value, so that attachments prove their bytes survive.
std::string all_bytes() {
  std::string bytes;
  for (int round = 0; round < 3; ++round) {
    for (int b = 0; b < 256; ++b)
      bytes += static_cast<char>(b);
  }
  return bytes;
}

OutgoingEmail sample() {
  OutgoingEmail email;
  email.from = {"Zoë Dupré", "zoe@example.com"};
  email.to = {{"Jean, le \"chef\"", "jean@example.org"}, {"", "bare@example.org"}};
  email.cc = {{"Ωμέγα Ltd", "omega@example.net"}};
  email.reply_to = Address{"Sales", "catchall@example.com"};
  email.subject = "Réunion — ordre du jour";
  email.body_html =
      "<p>Bonjour <b>Zoë</b>,</p><p>Voir <a href=\"https://example.com/doc\">le document</a>."
      "</p>";
  email.body_text = "Bonjour Zoë,\n\nVoir le document.";
  email.message_id = "<42.1767225600.7-openerp-7-res.partner@example.com>";
  email.in_reply_to = "<parent@example.com>";
  email.references = {"<root@example.com>", "<parent@example.com>"};
  email.date = DateTime{1767268800};  // 2026-01-01 12:00:00 UTC
  email.headers = {{"X-Odoo-Objects", "res.partner-7"},
                   {"Auto-Submitted", "auto-generated"},
                   {"Return-Path", "<bounce@example.com>"}};
  return email;
}

// ---------------------------------------------------------------------------------------------
// Building, and parsing back

TEST(BuildMimeTest, ParsesBackToTheSameHeadersBodiesAndAttachments) {
  OutgoingEmail email = sample();
  email.attachments = {{"rapport é.pdf", "application/pdf", "", all_bytes()},
                       {"logo.png", "image/png", "logo@example.com", "\x89PNG\r\n\x1a\n"}};
  const ParsedEmail parsed = parse_mime(build_mime(email));

  EXPECT_EQ(parsed.subject, "Réunion — ordre du jour");
  EXPECT_EQ(parsed.from, (Address{"Zoë Dupré", "zoe@example.com"}));
  EXPECT_EQ(parsed.to, (std::vector<Address>{{"Jean, le \"chef\"", "jean@example.org"},
                                             {"", "bare@example.org"}}));
  EXPECT_EQ(parsed.cc, (std::vector<Address>{{"Ωμέγα Ltd", "omega@example.net"}}));
  EXPECT_EQ(parsed.message_id, "<42.1767225600.7-openerp-7-res.partner@example.com>");
  EXPECT_EQ(parsed.in_reply_to, "<parent@example.com>");
  EXPECT_EQ(parsed.references,
            (std::vector<std::string>{"<root@example.com>", "<parent@example.com>"}));
  ASSERT_TRUE(parsed.date.has_value());
  EXPECT_EQ(parsed.date->seconds, 1767268800);
  EXPECT_EQ(parsed.body_text, "Bonjour Zoë,\n\nVoir le document.\n");
  EXPECT_EQ(parsed.body_html, email.body_html + "\n");
  EXPECT_EQ(parsed.content_type, "multipart/mixed");
  EXPECT_EQ(parsed.auto_submitted, "auto-generated");
  EXPECT_EQ(parsed.headers.at("Return-Path"), "<bounce@example.com>");
  EXPECT_FALSE(parsed.is_bounce);

  ASSERT_EQ(parsed.attachments.size(), 2u);
  EXPECT_EQ(parsed.attachments[0].filename, "rapport é.pdf");
  EXPECT_EQ(parsed.attachments[0].content_type, "application/pdf");
  EXPECT_EQ(parsed.attachments[0].content_id, "");
  EXPECT_EQ(parsed.attachments[0].data, all_bytes());
  EXPECT_EQ(parsed.attachments[1].filename, "logo.png");
  EXPECT_EQ(parsed.attachments[1].content_id, "logo@example.com");
  EXPECT_EQ(parsed.attachments[1].data, std::string("\x89PNG\r\n\x1a\n"));
}

TEST(BuildMimeTest, NonAsciiNamesAndSubjectAreUtf8EncodedWords) {
  const std::string mime = build_mime(sample());
  // Every header byte is ASCII.
  const std::string headers = header_block(mime);
  EXPECT_TRUE(std::all_of(headers.begin(), headers.end(),
                          [](char c) { return static_cast<unsigned char>(c) < 0x80; }));
  EXPECT_EQ(raw_header(mime, "Subject"), " =?UTF-8?B?UsOpdW5pb24g4oCU?= ordre du jour");
  EXPECT_EQ(raw_header(mime, "From"), " =?UTF-8?b?Wm/DqyBEdXByw6k=?= <zoe@example.com>");
  EXPECT_EQ(raw_header(mime, "To"),
            " \"Jean, le \\\"chef\\\"\" <jean@example.org>, bare@example.org");
  EXPECT_EQ(raw_header(mime, "Cc"), " =?UTF-8?b?zqnOvM6tzrPOsQ==?= Ltd <omega@example.net>");
  EXPECT_EQ(raw_header(mime, "Reply-To"), " Sales <catchall@example.com>");
  EXPECT_EQ(raw_header(mime, "Date"), " Thu, 01 Jan 2026 12:00:00 +0000");
  EXPECT_EQ(raw_header(mime, "Message-Id"), " <42.1767225600.7-openerp-7-res.partner@example.com>");
  EXPECT_EQ(raw_header(mime, "References"), " <root@example.com> <parent@example.com>");
  EXPECT_EQ(raw_header(mime, "X-Odoo-Objects"), " res.partner-7");
  EXPECT_EQ(raw_header(mime, "MIME-Version"), " 1.0");
}

TEST(BuildMimeTest, EveryLineEndsWithCrlfAndNoLineIsTooLong) {
  OutgoingEmail email = sample();
  email.subject = std::string(400, 'a') + " " + std::string(100, 'b');
  email.body_text = std::string(5000, 'x') + "\nshort\n";
  email.attachments = {{"data.bin", "application/octet-stream", "", std::string(100000, '\0')}};
  const std::string mime = build_mime(email);
  for (std::size_t i = 0; i < mime.size(); ++i) {
    if (mime[i] == '\n') {
      ASSERT_TRUE(i > 0 && mime[i - 1] == '\r') << "bare LF at " << i;
    }
    if (mime[i] == '\r') {
      ASSERT_TRUE(i + 1 < mime.size() && mime[i + 1] == '\n') << "bare CR at " << i;
    }
  }
  for (const std::string& line : lines_of(mime))
    EXPECT_LE(line.size(), 998u) << line.substr(0, 60);
  EXPECT_EQ(parse_mime(mime).body_text, std::string(5000, 'x') + "\nshort\n");
}

TEST(BuildMimeTest, TextAloneIsOneTextPart) {
  OutgoingEmail email = sample();
  email.body_html.clear();
  email.body_text = "Just text.\n";
  const std::string mime = build_mime(email);
  EXPECT_EQ(raw_header(mime, "Content-Type"), " text/plain; charset=utf-8");
  EXPECT_EQ(raw_header(mime, "Content-Transfer-Encoding"), "(absent)");  // 7bit
  const ParsedEmail parsed = parse_mime(mime);
  EXPECT_EQ(parsed.content_type, "text/plain");
  EXPECT_EQ(parsed.body_text, "Just text.\n");
  EXPECT_EQ(parsed.body_html, "");
}

TEST(BuildMimeTest, HtmlMakesAlternativeTextThenHtmlAndTheTextIsDerivedWhenMissing) {
  OutgoingEmail email = sample();
  email.body_text.clear();
  email.body_html =
      "<div>Hello&nbsp;<b>Ann</b>,<br>your <a href=\"https://x.example/o/7\">order</a> "
      "shipped.</div><ul><li>one</li><li>two</li></ul>";
  const std::string mime = build_mime(email);
  EXPECT_TRUE(raw_header(mime, "Content-Type").starts_with(" multipart/alternative;"));
  const std::size_t plain = mime.find("Content-Type: text/plain; charset=utf-8");
  const std::size_t html = mime.find("Content-Type: text/html; charset=utf-8");
  ASSERT_NE(plain, std::string::npos);
  ASSERT_NE(html, std::string::npos);
  EXPECT_LT(plain, html);
  const ParsedEmail parsed = parse_mime(mime);
  EXPECT_EQ(parsed.content_type, "multipart/alternative");
  EXPECT_EQ(parsed.body_text,
            "Hello Ann,\nyour order [https://x.example/o/7] shipped.\n\n- one\n- two\n");
  EXPECT_EQ(parsed.body_html, email.body_html + "\n");
}

TEST(BuildMimeTest, BodiesAreQuotedPrintableOrBase64AsSuitsThem) {
  OutgoingEmail email = sample();
  email.body_html.clear();
  email.body_text =
      "Your order S00042 has shipped and should arrive on Friday.\nMerci et à bientôt.";
  std::string mime = build_mime(email);
  EXPECT_EQ(raw_header(mime, "Content-Transfer-Encoding"), " quoted-printable");
  EXPECT_NE(mime.find("Merci et =C3=A0 bient=C3=B4t."), std::string::npos);
  EXPECT_EQ(parse_mime(mime).body_text, email.body_text + "\n");

  email.body_text = "Привет, как дела? Всё хорошо.\nДо свидания.";
  mime = build_mime(email);
  EXPECT_EQ(raw_header(mime, "Content-Transfer-Encoding"), " base64");
  EXPECT_EQ(parse_mime(mime).body_text, email.body_text + "\n");
}

TEST(BuildMimeTest, AttachmentsGoInMixedAfterTheBodyInlineOnesWithTheirContentId) {
  OutgoingEmail email = sample();
  email.attachments = {{"a.txt", "text/plain", "", "plain attachment"},
                       {"", "image/png", "<img1@local>", "png bytes"},
                       {"", "not a type", "", "x"}};
  const std::string mime = build_mime(email);
  EXPECT_TRUE(raw_header(mime, "Content-Type").starts_with(" multipart/mixed;"));
  EXPECT_NE(mime.find("Content-Disposition: attachment; filename=a.txt"), std::string::npos);
  EXPECT_NE(mime.find("Content-Disposition: inline\r\nContent-Id: <img1@local>"),
            std::string::npos);
  EXPECT_LT(mime.find("multipart/alternative"), mime.find("filename=a.txt"));
  const ParsedEmail parsed = parse_mime(mime);
  ASSERT_EQ(parsed.attachments.size(), 3u);
  EXPECT_EQ(parsed.attachments[0].data, "plain attachment");
  EXPECT_EQ(parsed.attachments[1].content_id, "img1@local");
  EXPECT_EQ(parsed.attachments[2].content_type, "application/octet-stream");
  EXPECT_EQ(parsed.attachments[2].filename, "attachment");
  // The text attachment is not mistaken for the body.
  EXPECT_EQ(parsed.body_text, "Bonjour Zoë,\n\nVoir le document.\n");
}

TEST(BuildMimeTest, LineBreaksInValuesCannotAddHeaders) {
  OutgoingEmail email = sample();
  email.subject = "Hello\r\nBcc: victim@example.com\r\nX-Injected: subject";
  email.from.name = "Eve\r\nX-Injected: name";
  email.to = {{"Bob\nX-Injected: to", "bob@example.com"}};
  email.headers = {{"X-Note", "ok\r\nX-Injected: value\r\n\r\n<html>body</html>"},
                   {"X-Tab",
                    "a\tb\x01"
                    "c"}};
  email.attachments = {{"evil\r\nX-Injected: file.txt", "text/plain", "", "x"}};
  const std::string mime = build_mime(email);
  EXPECT_FALSE(has_header_line(mime, "X-Injected"));
  EXPECT_FALSE(has_header_line(mime, "Bcc"));
  const ParsedEmail parsed = parse_mime(mime);
  EXPECT_EQ(parsed.subject, "Hello Bcc: victim@example.com X-Injected: subject");
  EXPECT_EQ(parsed.from.name, "Eve X-Injected: name");
  EXPECT_EQ(parsed.to.at(0).name, "Bob X-Injected: to");
  EXPECT_EQ(raw_header(mime, "X-Tab"), " a b c");
  EXPECT_EQ(parsed.attachments.at(0).filename, "evil X-Injected: file.txt");
  // The body is the message's own, not the one the header value tried to start.
  EXPECT_EQ(parsed.body_html, email.body_html + "\n");
}

TEST(BuildMimeTest, RefusesValuesThatCannotBeWrittenAsTheyAre) {
  const auto refused = [](const OutgoingEmail& email) -> std::string {
    try {
      build_mime(email);
    } catch (const common::ValueError& e) {
      return e.what();
    }
    return "(built)";
  };
  OutgoingEmail email = sample();
  email.message_id = "";
  EXPECT_EQ(refused(email),
            "The email's Message-Id '' is not a message id: it must be one <...> token of "
            "printable ASCII without spaces.");
  email.message_id = "<a b@example.com>";
  EXPECT_NE(refused(email), "(built)");
  email.message_id = "<a@example.com>\r\nBcc: x@example.com";
  EXPECT_EQ(refused(email),
            "The email's Message-Id '<a@example.com>\\x0d\\x0aBcc: x@example.com' is not a "
            "message id: it must be one <...> token of printable ASCII without spaces.");

  email = sample();
  email.references.push_back("not-an-id");
  EXPECT_EQ(refused(email),
            "The email's References entry 'not-an-id' is not a message id: it must be one <...> "
            "token of printable ASCII without spaces.");

  for (const char* address :
       {"bob@example.com\r\nBcc: x@example.com", "no-at-sign", "a b@c.d", "<bob@example.com>",
        "bob@example.com, eve@example.com", "@x.y", "x@"}) {
    email = sample();
    email.to = {{"Bob", address}};
    EXPECT_TRUE(refused(email).starts_with("The email's To address '")) << address;
  }
  email = sample();
  email.from.email = "";
  EXPECT_EQ(refused(email), "The email's From address '' is not a valid email address.");

  for (const char* name : {"X-Bad Name", "X-Bad:Name", "X-Bad\r\nName", "", "X-Ünicode"}) {
    email = sample();
    email.headers = {{name, "v"}};
    EXPECT_TRUE(refused(email).starts_with("The email header name '")) << name;
  }
  for (const char* name : {"Subject", "bcc", "Content-Type", "MIME-Version", "message-id"}) {
    email = sample();
    email.headers = {{name, "v"}};
    EXPECT_EQ(refused(email),
              fmt::format("The email header '{}' cannot be given as an extra header: the message "
                          "sets it itself.",
                          name));
  }
  email = sample();
  email.attachments = {{"a.png", "image/png", "two words", "x"}};
  EXPECT_EQ(refused(email),
            "The attachment's content id 'two words' is not valid: it must be printable ASCII "
            "without spaces or <>.");
}

// ---------------------------------------------------------------------------------------------
// Real-world messages

// A reply from Thunderbird: text and HTML, quoted-printable, a date with an offset, threading.
constexpr std::string_view kThunderbirdReply = R"eml(Return-Path: <anna@example.org>
Delivered-To: sales@autorules.example
Received: from mail.example.org (mail.example.org [192.0.2.7])
	by mx.autorules.example (Postfix) with ESMTPS id 4QX1
	for <sales@autorules.example>; Tue, 13 Jan 2026 09:15:02 +0100 (CET)
Message-ID: <7c1d4e2a-1b2c-4d5e-9f00-0a1b2c3d4e5f@example.org>
Date: Tue, 13 Jan 2026 09:15:00 +0100
MIME-Version: 1.0
User-Agent: Mozilla Thunderbird
Subject: Re: Quotation S00042
To: "Sales (Autorules)" <sales@autorules.example>
Cc: =?UTF-8?Q?Bj=c3=b6rn_Nilsson?= <bjorn@example.se>,
 team@example.org
References: <111.1767000000.42-openerp-42-sale.order@autorules.example>
 <222.1767100000.42-openerp-42-sale.order@autorules.example>
In-Reply-To: <222.1767100000.42-openerp-42-sale.order@autorules.example>
From: Anna Schmidt <anna@example.org>
Content-Type: multipart/alternative;
 boundary="------------9xC1Tf2YbW0yN4Qd8kLm3R"

This is a multi-part message in MIME format.
--------------9xC1Tf2YbW0yN4Qd8kLm3R
Content-Type: text/plain; charset=UTF-8; format=flowed
Content-Transfer-Encoding: quoted-printable

Hello,

That=E2=80=99s fine for us =E2=80=93 please go ahead with the order. We ne=
ed it by Friday.

Anna

On 12/01/2026 10:00, Sales wrote:
> Here is your quotation.
--------------9xC1Tf2YbW0yN4Qd8kLm3R
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

<!DOCTYPE html>
<html>
  <head>
    <meta http-equiv=3D"content-type" content=3D"text/html; charset=3DUTF-8">
  </head>
  <body>
    <p>Hello,</p>
    <p>That=E2=80=99s fine for us =E2=80=93 please go ahead with the order.</p>
  </body>
</html>
--------------9xC1Tf2YbW0yN4Qd8kLm3R--
)eml";

TEST(ParseMimeTest, AThunderbirdReply) {
  const ParsedEmail email = parse_mime(crlf(kThunderbirdReply));
  EXPECT_EQ(email.message_id, "<7c1d4e2a-1b2c-4d5e-9f00-0a1b2c3d4e5f@example.org>");
  EXPECT_EQ(email.in_reply_to, "<222.1767100000.42-openerp-42-sale.order@autorules.example>");
  EXPECT_EQ(email.references, (std::vector<std::string>{
                                  "<111.1767000000.42-openerp-42-sale.order@autorules.example>",
                                  "<222.1767100000.42-openerp-42-sale.order@autorules.example>"}));
  EXPECT_EQ(email.from, (Address{"Anna Schmidt", "anna@example.org"}));
  EXPECT_EQ(email.to, (std::vector<Address>{{"Sales (Autorules)", "sales@autorules.example"}}));
  EXPECT_EQ(email.cc, (std::vector<Address>{{"Björn Nilsson", "bjorn@example.se"},
                                            {"", "team@example.org"}}));
  EXPECT_EQ(email.delivered_to, (std::vector<Address>{{"", "sales@autorules.example"}}));
  EXPECT_EQ(email.subject, "Re: Quotation S00042");
  ASSERT_TRUE(email.date.has_value());
  EXPECT_EQ(common::format_datetime(*email.date), "2026-01-13 08:15:00");
  EXPECT_EQ(email.body_text,
            "Hello,\n\nThat’s fine for us – please go ahead with the order. We need it by "
            "Friday.\n\nAnna\n\nOn 12/01/2026 10:00, Sales wrote:\n> Here is your quotation.");
  EXPECT_NE(email.body_html.find("<p>That’s fine for us – please go ahead with the order.</p>"),
            std::string::npos);
  EXPECT_EQ(email.content_type, "multipart/alternative");
  EXPECT_TRUE(email.attachments.empty());
  EXPECT_EQ(email.headers.at("Return-Path"), "<anna@example.org>");
  EXPECT_EQ(email.auto_submitted, "");
  EXPECT_FALSE(email.is_bounce);
}

// Gmail's shape: multipart/alternative with a base64 HTML part, the text part first.
constexpr std::string_view kGmailReply = R"eml(MIME-Version: 1.0
References: <root.1@autorules.example>
In-Reply-To: <root.1@autorules.example>
From: Marco Rossi <marco.rossi@gmail.example>
Date: Wed, 14 Jan 2026 18:03:11 -0500
Message-ID: <CAF=8+abcDEF123@mail.gmail.example>
Subject: =?UTF-8?B?UmU6IFByb2dldHRvIMOoIHByb250bw==?=
To: sales@autorules.example
Content-Type: multipart/alternative; boundary="000000000000a1b2c3d4e5f6"

--000000000000a1b2c3d4e5f6
Content-Type: text/plain; charset="UTF-8"

Perfetto, grazie!

--000000000000a1b2c3d4e5f6
Content-Type: text/html; charset="UTF-8"
Content-Transfer-Encoding: base64

PGRpdiBkaXI9Imx0ciI+UGVyZmV0dG8sIGdyYXppZSE8L2Rpdj4K
--000000000000a1b2c3d4e5f6--
)eml";

TEST(ParseMimeTest, AGmailReplyWithBase64Html) {
  const ParsedEmail email = parse_mime(crlf(kGmailReply));
  EXPECT_EQ(email.subject, "Re: Progetto è pronto");
  EXPECT_EQ(email.message_id, "<CAF=8+abcDEF123@mail.gmail.example>");
  EXPECT_EQ(email.in_reply_to, "<root.1@autorules.example>");
  EXPECT_EQ(email.body_text, "Perfetto, grazie!\n");
  EXPECT_EQ(email.body_html, "<div dir=\"ltr\">Perfetto, grazie!</div>\n");
  ASSERT_TRUE(email.date.has_value());
  EXPECT_EQ(common::format_datetime(*email.date), "2026-01-14 23:03:11");
}

TEST(ParseMimeTest, AnHtmlOnlyMessage) {
  const ParsedEmail email = parse_mime(crlf(R"eml(From: shop@example.com
To: sales@autorules.example
Subject: Your order
Content-Type: text/html; charset=utf-8

<html><body><h1>Order&nbsp;#7</h1><p>Total: 12&euro;</p><script>track()</script></body></html>
)eml"));
  EXPECT_EQ(email.body_text, "");
  EXPECT_EQ(email.content_type, "text/html");
  EXPECT_EQ(html_to_text(email.body_html), "Order #7\n\nTotal: 12€");
}

TEST(ParseMimeTest, ALatin1BodyIsConvertedToUtf8) {
  const std::string message = crlf(
      "From: jose@example.es\nTo: sales@autorules.example\nSubject: Pedido\n"
      "MIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: 8bit\n\n"
      "Se\xf1or, el pedido est\xe1 listo. \x93Gracias\x94.\n");
  const ParsedEmail email = parse_mime(message);
  // 0x93 and 0x94 are not Latin-1 text: such mail is Windows-1252, as browsers read it.
  EXPECT_EQ(email.body_text, "Señor, el pedido está listo. “Gracias”.\n");
}

TEST(ParseMimeTest, WrongOrUnknownCharsetsStillGiveUtf8) {
  // Declared UTF-8, written in Latin-1.
  EXPECT_EQ(parse_mime("From: a@example.com\nContent-Type: text/plain; charset=utf-8\n\n"
                       "caf\xe9\n")
                .body_text,
            "café\n");
  // An unknown charset holding UTF-8.
  EXPECT_EQ(parse_mime("From: a@example.com\nContent-Type: text/plain; charset=x-unknown\n\n"
                       "caf\xc3\xa9\n")
                .body_text,
            "café\n");
  // US-ASCII declared, 8-bit UTF-8 sent.
  EXPECT_EQ(parse_mime("From: a@example.com\nContent-Type: text/plain; charset=us-ascii\n\n"
                       "\xe2\x82\xac 5\n")
                .body_text,
            "€ 5\n");
  // UTF-16, declared.
  const std::string utf16("h\0i\0\n\0", 6);
  EXPECT_EQ(
      parse_mime("From: a@example.com\nContent-Type: text/plain; charset=utf-16le\n\n" + utf16)
          .body_text,
      "hi\n");
}

TEST(ParseMimeTest, EightBitHeadersInUtf8OrLatin1AreDecoded) {
  ParsedEmail email =
      parse_mime("From: =?utf-8?q?J=C3=BCrgen?= <j@example.de>\nSubject: Grüße aus München\n\nx\n");
  EXPECT_EQ(email.subject, "Grüße aus München");
  EXPECT_EQ(email.from.name, "Jürgen");
  email = parse_mime("From: Fran\xe7ois <f@example.fr>\nSubject: D\xe9j\xe0 vu\n\nx\n");
  EXPECT_EQ(email.subject, "Déjà vu");
  EXPECT_EQ(email.from, (Address{"François", "f@example.fr"}));
}

// An attachment (base64) and an inline image referenced by cid, as Apple Mail sends them.
constexpr std::string_view kAttachments = R"eml(From: Li Wei <li@example.cn>
To: support@autorules.example
Subject: Screenshot and invoice
Message-Id: <A1B2@example.cn>
Mime-Version: 1.0 (Mac OS X Mail 16.0)
Content-Type: multipart/mixed; boundary="Apple-Mail=_OUTER"

--Apple-Mail=_OUTER
Content-Type: multipart/related; type="text/html"; boundary="Apple-Mail=_REL"

--Apple-Mail=_REL
Content-Transfer-Encoding: 7bit
Content-Type: text/html; charset=us-ascii

<html><body><p>See:</p><img src="cid:shot-1@example.cn" alt="screenshot"></body></html>
--Apple-Mail=_REL
Content-Transfer-Encoding: base64
Content-Disposition: inline; filename=shot.png
Content-Type: image/png; name="shot.png"
Content-Id: <shot-1@example.cn>

iVBORw0KGgoAAAANSUhEUg==
--Apple-Mail=_REL--

--Apple-Mail=_OUTER
Content-Disposition: attachment;
	filename*=utf-8''Rechnung%20M%C3%A4rz.pdf
Content-Type: application/pdf;
	name="=?utf-8?Q?Rechnung_M=C3=A4rz=2Epdf?="
Content-Transfer-Encoding: base64

JVBERi0xLjcKJcOkw7zDtsOfCg==
--Apple-Mail=_OUTER
Content-Disposition: attachment; filename="../../etc/passwd"
Content-Type: text/plain

root:x:0:0
--Apple-Mail=_OUTER--
)eml";

TEST(ParseMimeTest, AttachmentsAndAnInlineImageWithAContentId) {
  const ParsedEmail email = parse_mime(crlf(kAttachments));
  EXPECT_EQ(email.body_html,
            "<html><body><p>See:</p><img src=\"cid:shot-1@example.cn\" alt=\"screenshot\">"
            "</body></html>");
  EXPECT_EQ(email.body_text, "");
  ASSERT_EQ(email.attachments.size(), 3u);
  const Attachment& image = email.attachments[0];
  EXPECT_EQ(image.filename, "shot.png");
  EXPECT_EQ(image.content_type, "image/png");
  EXPECT_EQ(image.content_id, "shot-1@example.cn");
  EXPECT_EQ(image.data, std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16));
  const Attachment& pdf = email.attachments[1];
  EXPECT_EQ(pdf.filename, "Rechnung März.pdf");
  EXPECT_EQ(pdf.content_type, "application/pdf");
  EXPECT_EQ(pdf.data, "%PDF-1.7\n%äüöß\n");
  // A name is never a path.
  EXPECT_EQ(email.attachments[2].filename, "passwd");
  EXPECT_EQ(email.attachments[2].data, "root:x:0:0");
}

// A delivery status notification from Postfix.
constexpr std::string_view kBounce = R"eml(Return-Path: <>
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: bounce@autorules.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status;
	boundary="8F1A2B3C4D.1768300000/mx.example.net"
Message-Id: <20260113103000.8F1A2B3C4D@mx.example.net>
Date: Tue, 13 Jan 2026 10:30:00 +0000 (UTC)

This is a MIME-encapsulated message.

--8F1A2B3C4D.1768300000/mx.example.net
Content-Description: Notification
Content-Type: text/plain; charset=us-ascii

I'm sorry to have to inform you that your message could not
be delivered to one or more recipients.

<nobody@example.net>: host mx.example.net said: 550 5.1.1 User unknown

--8F1A2B3C4D.1768300000/mx.example.net
Content-Description: Delivery report
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net
Arrival-Date: Tue, 13 Jan 2026 10:29:58 +0000 (UTC)

Final-Recipient: rfc822; nobody@example.net
Original-Recipient: rfc822;nobody@example.net
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--8F1A2B3C4D.1768300000/mx.example.net
Content-Description: Undelivered Message
Content-Type: message/rfc822

From: Sales <sales@autorules.example>
To: nobody@example.net
Subject: Your quotation
Message-Id: <333.1768300000.9-openerp-9-sale.order@autorules.example>
Content-Type: text/plain; charset=utf-8

Here is your quotation.

--8F1A2B3C4D.1768300000/mx.example.net--
)eml";

TEST(ParseMimeTest, ADeliveryReportIsABounceWithItsRecipientAndOriginalMessage) {
  const ParsedEmail email = parse_mime(crlf(kBounce));
  EXPECT_TRUE(email.is_bounce);
  EXPECT_EQ(email.content_type, "multipart/report");
  EXPECT_EQ(email.bounced_recipient, "nobody@example.net");
  EXPECT_EQ(email.bounced_message_id, "<333.1768300000.9-openerp-9-sale.order@autorules.example>");
  EXPECT_EQ(email.from.email, "MAILER-DAEMON@mx.example.net");
  EXPECT_EQ(email.auto_submitted, "auto-replied");
  EXPECT_EQ(email.headers.at("Return-Path"), "<>");
  EXPECT_TRUE(email.body_text.starts_with("I'm sorry to have to inform you"));
  ASSERT_EQ(email.attachments.size(), 2u);
  EXPECT_EQ(email.attachments[0].content_type, "message/delivery-status");
  EXPECT_EQ(email.attachments[1].content_type, "message/rfc822");
  EXPECT_EQ(email.attachments[1].filename, "message.eml");
  EXPECT_NE(email.attachments[1].data.find("Subject: Your quotation"), std::string::npos);
  // The returned message's text is not the report's body.
  EXPECT_EQ(email.body_text.find("Here is your quotation"), std::string::npos);
}

TEST(ParseMimeTest, AMailerDaemonSenderOrADeliveryStatusPartIsABounceToo) {
  EXPECT_TRUE(parse_mime("From: Mailer-Daemon@example.com\nSubject: failure\n\nx\n").is_bounce);
  EXPECT_FALSE(parse_mime("From: daemon@example.com\nSubject: hi\n\nx\n").is_bounce);
  const ParsedEmail email = parse_mime(
      "From: postmaster@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
      "Content-Type: message/delivery-status\n\nFinal-Recipient: rfc822; <gone@example.com>\n"
      "\n--b\nContent-Type: text/rfc822-headers\n\nMessage-ID: <orig@example.com>\nSubject: x\n"
      "\n--b--\n");
  EXPECT_TRUE(email.is_bounce);
  EXPECT_EQ(email.bounced_recipient, "gone@example.com");
  EXPECT_EQ(email.bounced_message_id, "<orig@example.com>");
}

TEST(ParseMimeTest, AnAutoReplyKeepsItsMarkers) {
  const ParsedEmail email = parse_mime(crlf(R"eml(From: Tom <tom@example.com>
To: sales@autorules.example
Subject: Out of office
Auto-Submitted: auto-replied (vacation)
Precedence: bulk
X-Autoreply: yes
List-Id: <news.example.com>
X-Odoo-Message-Id: <444@autorules.example>

I am away until Monday.
)eml"));
  EXPECT_EQ(email.auto_submitted, "auto-replied (vacation)");
  EXPECT_EQ(email.headers.at("Precedence"), "bulk");
  EXPECT_EQ(email.headers.at("X-Autoreply"), "yes");
  EXPECT_EQ(email.headers.at("List-Id"), "<news.example.com>");
  EXPECT_EQ(email.headers.at("X-Odoo-Message-Id"), "<444@autorules.example>");
  EXPECT_EQ(email.headers.count("X-Autorespond"), 0u);
  EXPECT_FALSE(email.is_bounce);
}

TEST(ParseMimeTest, BareLfLineEndsAndAnMboxFromLine) {
  std::string message(kThunderbirdReply);
  message = "From anna@example.org Tue Jan 13 09:15:02 2026\n" + message;
  const ParsedEmail email = parse_mime(message);
  EXPECT_EQ(email.from.email, "anna@example.org");
  EXPECT_EQ(email.subject, "Re: Quotation S00042");
  EXPECT_TRUE(email.body_text.starts_with("Hello,\n\nThat’s fine for us"));
  EXPECT_EQ(email.references.size(), 2u);
}

TEST(ParseMimeTest, WhatIsMissingOrUnreadableIsLeftEmpty) {
  const ParsedEmail email =
      parse_mime("From: a@example.com\nDate: the day after tomorrow\nSubject: x\n\nbody\n");
  // Generated: <seconds.random@localhost>.
  EXPECT_TRUE(email.message_id.starts_with("<"));
  EXPECT_TRUE(email.message_id.ends_with("@localhost>"));
  EXPECT_NE(email.message_id.find('.'), std::string::npos);
  EXPECT_NE(parse_mime("From: a@example.com\n\nx\n").message_id, email.message_id);
  EXPECT_FALSE(email.date.has_value());
  EXPECT_EQ(email.in_reply_to, "");
  EXPECT_TRUE(email.references.empty());
  EXPECT_TRUE(email.to.empty());
  EXPECT_EQ(email.content_type, "text/plain");
  EXPECT_EQ(email.body_text, "body\n");
}

TEST(ParseMimeTest, SeveralDeliveredToAndAGroupAreAllKept) {
  const ParsedEmail email = parse_mime(
      "Delivered-To: a@autorules.example\nDelivered-To: b@autorules.example\n"
      "From: x@example.com\nTo: Team: c@example.com, \"D\" <d@example.com>;, e@example.com\n\n"
      "x\n");
  EXPECT_EQ(email.delivered_to,
            (std::vector<Address>{{"", "a@autorules.example"}, {"", "b@autorules.example"}}));
  EXPECT_EQ(email.to, (std::vector<Address>{
                          {"", "c@example.com"}, {"D", "d@example.com"}, {"", "e@example.com"}}));
}

TEST(ParseMimeTest, AForwardedMessageIsAnAttachmentNotTheBody) {
  const ParsedEmail email = parse_mime(
      "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
      "Content-Type: text/plain\n\nSee below.\n--b\nContent-Type: message/rfc822\n"
      "Content-Disposition: attachment; filename=\"fwd.eml\"\n\nFrom: b@example.com\n"
      "Subject: inner\n\ninner text\n--b--\n");
  EXPECT_EQ(email.body_text, "See below.");
  ASSERT_EQ(email.attachments.size(), 1u);
  EXPECT_EQ(email.attachments[0].filename, "fwd.eml");
  EXPECT_NE(email.attachments[0].data.find("inner text"), std::string::npos);
  EXPECT_EQ(email.bounced_message_id, "");
}

// ---------------------------------------------------------------------------------------------
// Hostile input

std::string refusal(std::string_view bytes, const ParseLimits& limits = {}) {
  try {
    parse_mime(bytes, limits);
  } catch (const common::UserError& e) {
    return e.what();
  }
  return "(parsed)";
}

TEST(ParseMimeHostileTest, EmptyInputAndGarbageAreRefused) {
  EXPECT_EQ(refusal(""), "The email is empty.");
  const std::string not_a_message =
      "The data is not an email message: it has none of the headers of one (From, To, Subject, "
      "Date, Message-Id, ...).";
  EXPECT_EQ(refusal("hello world, this is not an email\n"), not_a_message);
  std::string garbage;
  for (unsigned i = 0; i < 5000; ++i)
    garbage += static_cast<char>((i * 2654435761u) >> 13);
  EXPECT_EQ(refusal(garbage), not_a_message);
  EXPECT_EQ(refusal(std::string(1000, '\0')), not_a_message);
  EXPECT_EQ(refusal("\r\n\r\n\r\n"), not_a_message);
  EXPECT_EQ(refusal("X-Custom: only\n\nbody\n"), not_a_message);
}

TEST(ParseMimeHostileTest, OversizedInputIsRefusedBeforeParsing) {
  ParseLimits limits;
  limits.max_bytes = 1000;
  const std::string message = "From: a@example.com\n\n" + std::string(1000, 'x');
  EXPECT_EQ(refusal(message, limits),
            "The email is too large: 1021 bytes (the limit is 1000 bytes).");
  EXPECT_EQ(refusal(std::string((25u << 20) + 1, 'x')),
            "The email is too large: 26214401 bytes (the limit is 26214400 bytes).");
}

TEST(ParseMimeHostileTest, AHundredNestedMultipartsAreRefused) {
  std::string message = "From: a@example.com\nContent-Type: multipart/mixed; boundary=b0\n\n";
  for (int level = 1; level < 100; ++level)
    message +=
        fmt::format("--b{}\nContent-Type: multipart/mixed; boundary=b{}\n\n", level - 1, level);
  message += "--b99\nContent-Type: text/plain\n\ndeep\n";
  for (int level = 99; level >= 0; --level)
    message += fmt::format("--b{}--\n", level);
  EXPECT_EQ(refusal(message), "The email's MIME parts nest too deeply (more than 10 levels).");
  // With the limits raised, the same message is read through.
  ParseLimits limits;
  limits.max_depth = 101;
  limits.max_parts = 101;
  EXPECT_EQ(parse_mime(message, limits).body_text, "deep");
}

TEST(ParseMimeHostileTest, AThousandPartsAreRefused) {
  std::string bare = "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n";
  std::string typed = bare;
  for (int i = 0; i < 1000; ++i) {
    bare += "--b\n\npart\n";
    typed += "--b\nContent-Type: text/plain\n\npart\n";
  }
  bare += "--b--\n";
  typed += "--b--\n";
  // Counted exactly after parsing (parts without headers) or refused on the quick count.
  EXPECT_EQ(refusal(bare), "The email has too many MIME parts (more than 100).");
  EXPECT_EQ(refusal(typed), "The email has too many MIME parts (more than 100).");
  ParseLimits limits;
  limits.max_parts = 2000;
  EXPECT_EQ(parse_mime(typed, limits).body_text.size(),
            1000 * std::string("part").size() + 999 * std::string("\n\n").size());
}

TEST(ParseMimeHostileTest, LinesThatLookLikeBoundariesInTextAreNotParts) {
  // A text body with many "--" lines (signatures, rulers) is within the quick count's margin.
  std::string message = "From: a@example.com\nSubject: log\n\n";
  for (int i = 0; i < 900; ++i)
    message += "-- \nsigned\n";
  EXPECT_EQ(parse_mime(message).body_text.size(), 900 * std::string("-- \nsigned\n").size());
}

TEST(ParseMimeHostileTest, HugeHeadersAreRefused) {
  const std::string too_large =
      "The email's headers are too large (more than 10000 header fields or 524288 bytes in "
      "all).";
  std::string many = "From: a@example.com\n";
  for (int i = 0; i < 20000; ++i)
    many += "X: y\n";
  EXPECT_EQ(refusal(many + "\nbody\n"), too_large);
  // One field of a million addresses, or parameters.
  std::string addresses = "From: a@example.com\nTo: ";
  for (int i = 0; i < 200000; ++i)
    addresses += "a@b.c,";
  EXPECT_EQ(refusal(addresses + "\n\nbody\n"), too_large);
  std::string parameters =
      "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain";
  for (int i = 0; i < 200000; ++i)
    parameters += ";a=b";
  EXPECT_EQ(refusal(parameters + "\n\nx\n--b--\n"), too_large);
}

TEST(ParseMimeHostileTest, AnEnclosedHeaderBlockOverTheLimitsIsNotRead) {
  // Inside a delivery report, the returned headers are body text to the message: only the hint
  // they give (the original Message-Id) is lost when they are too large.
  std::string message =
      "From: MAILER-DAEMON@example.com\nContent-Type: multipart/report; boundary=b\n\n--b\n"
      "Content-Type: text/rfc822-headers\n\nMessage-ID: <orig@example.com>\nTo: ";
  for (int i = 0; i < 100000; ++i)
    message += "a@b.c,";
  message += "\n\n--b--\n";
  const ParsedEmail email = parse_mime(message);
  EXPECT_TRUE(email.is_bounce);
  EXPECT_EQ(email.bounced_message_id, "");
  ASSERT_EQ(email.attachments.size(), 1u);
  EXPECT_EQ(email.attachments[0].content_type, "text/rfc822-headers");
}

TEST(ParseMimeHostileTest, TenThousandAddressesAreParsed) {
  std::string list;
  for (int i = 0; i < 10000; ++i)
    list += fmt::format("{}\"User {}\" <user{}@example.com>", i > 0 ? ", " : "", i, i);
  const std::vector<Address> addresses = parse_address_list(list);
  ASSERT_EQ(addresses.size(), 10000u);
  EXPECT_EQ(addresses[9999], (Address{"User 9999", "user9999@example.com"}));

  std::string short_list;
  for (int i = 0; i < 10000; ++i)
    short_list += fmt::format("{}u{}@example.com", i > 0 ? "," : "", i);
  const ParsedEmail email = parse_mime("From: a@example.com\nTo: " + short_list + "\n\nx\n");
  ASSERT_EQ(email.to.size(), 10000u);
  EXPECT_EQ(email.to.back().email, "u9999@example.com");
}

TEST(ParseMimeHostileTest, BrokenStructureIsToleratedNotFatal) {
  // No closing boundary, a boundary never used, a part without headers, base64 with junk.
  const ParsedEmail email = parse_mime(
      "From: a@example.com\nContent-Type: multipart/mixed; boundary=\"unused\"\n\nonly text\n");
  EXPECT_EQ(email.content_type, "multipart/mixed");
  const ParsedEmail open = parse_mime(
      "From: a@example.com\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
      "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVs#!bG8=\n");
  EXPECT_EQ(open.body_text, "hello");
}

TEST(MimeThreadsTest, BuildingAndParsingFromSeveralThreadsAtOnce) {
  OutgoingEmail outgoing = sample();
  outgoing.attachments = {{"a.bin", "application/octet-stream", "", all_bytes()}};
  const std::string reference = crlf(kThunderbirdReply);
  const ParsedEmail expected = parse_mime(reference);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const ParsedEmail round_trip = parse_mime(build_mime(outgoing));
        const ParsedEmail parsed = parse_mime(reference);
        if (round_trip.subject != outgoing.subject ||
            round_trip.attachments.at(0).data != all_bytes() ||
            parsed.body_text != expected.body_text || parsed.cc != expected.cc ||
            html_to_text(outgoing.body_html) !=
                "Bonjour Zoë,\n\nVoir le document "
                "[https://example.com/doc].")
          ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

// ---------------------------------------------------------------------------------------------
// HTML to text

TEST(HtmlToTextTest, BlocksBreaksAndParagraphs) {
  EXPECT_EQ(html_to_text("<p>One</p><p>Two</p>"), "One\n\nTwo");
  EXPECT_EQ(html_to_text("<div>a</div><div>b</div>"), "a\nb");
  EXPECT_EQ(html_to_text("line<br>next<br/>last"), "line\nnext\nlast");
  EXPECT_EQ(html_to_text("a<br><br><br><br>b"), "a\n\nb");
  EXPECT_EQ(html_to_text("<div>a<br></div><div>b</div>"), "a\nb");
  EXPECT_EQ(html_to_text("<h1>Title</h1>Text"), "Title\n\nText");
  EXPECT_EQ(html_to_text("<ul><li>one</li><li>two</li></ul>after"), "- one\n- two\n\nafter");
  EXPECT_EQ(html_to_text("<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr>"
                         "</table>"),
            "a b\nc d");
  EXPECT_EQ(html_to_text("<blockquote>quoted</blockquote>reply"), "quoted\n\nreply");
  EXPECT_EQ(html_to_text("above<hr>below"), "above\n\n---\n\nbelow");
}

TEST(HtmlToTextTest, LinksShowTheirUrlOnlyWhenItSaysMore) {
  EXPECT_EQ(html_to_text("<a href=\"https://example.com/x\">the page</a>"),
            "the page [https://example.com/x]");
  EXPECT_EQ(html_to_text("<a href=\"https://example.com/\">https://example.com</a>"),
            "https://example.com");
  EXPECT_EQ(html_to_text("<a href=\"https://example.com/\">example.com</a>"), "example.com");
  EXPECT_EQ(html_to_text("<a href=\"mailto:a@example.com\">a@example.com</a>"), "a@example.com");
  EXPECT_EQ(html_to_text("<a href=\"#top\">top</a>"), "top");
  EXPECT_EQ(html_to_text("<a href=\"javascript:alert(1)\">click</a>"), "click");
  EXPECT_EQ(html_to_text("<a name=\"anchor\">here</a>"), "here");
  EXPECT_EQ(html_to_text("<a href=\"https://e.example/i\"><img src=\"x.png\"></a>"),
            "[https://e.example/i]");
  EXPECT_EQ(html_to_text("<a href=\"/o/1\"><img src=\"x.png\" alt=\"Logo\"></a> text"),
            "Logo [/o/1] text");
}

TEST(HtmlToTextTest, ScriptsStylesAndTheHeadAreDroppedEntitiesDecoded) {
  EXPECT_EQ(html_to_text("<html><head><title>T</title><style>p{color:red}</style></head>"
                         "<body><script>var a = '<p>x</p>';</script><p>Visible &amp; "
                         "&lt;kept&gt; &eacute;&#233;&#x20AC;&nbsp;!</p><!-- comment --></body>"
                         "</html>"),
            "Visible & <kept> éé€ !");
}

TEST(HtmlToTextTest, WhiteSpaceCollapsesButInPre) {
  EXPECT_EQ(html_to_text("  a \n\t b   <b> c </b>\n\n d  "), "a b c d");
  EXPECT_EQ(html_to_text("<pre>  x = 1\n  y = 2</pre>after"), "  x = 1\n  y = 2\n\nafter");
  EXPECT_EQ(html_to_text(""), "");
  EXPECT_EQ(html_to_text("<p></p><div> </div>"), "");
  EXPECT_EQ(html_to_text("plain text, no tags"), "plain text, no tags");
}

TEST(HtmlToTextTest, BrokenMarkupAndBadBytesAreTolerated) {
  EXPECT_EQ(html_to_text("<p>unclosed <b>bold <i>both</p>next"), "unclosed bold both\n\nnext");
  EXPECT_EQ(html_to_text("caf\xe9 \xff ok"), "caf\xef\xbf\xbd \xef\xbf\xbd ok");
  EXPECT_EQ(html_to_text(std::string_view("a\0b", 3)), "ab");
  // The declared charset is ignored: the text is UTF-8 already.
  EXPECT_EQ(html_to_text("<meta charset=\"iso-8859-1\"><p>Zoë</p>"), "Zoë");
}

TEST(HtmlToTextTest, DeepNestingDoesNotExhaustTheStack) {
  std::string html;
  for (int i = 0; i < 100000; ++i)
    html += "<div><span>";
  html += "deep";
  const std::string text = html_to_text(html);
  EXPECT_NE(text.find("deep"), std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Addresses

TEST(AddressTest, ParsesListsDecodingNamesAndSkippingWhatIsNotAnAddress) {
  EXPECT_EQ(parse_address_list("a@b.c, \"Name, Jr.\" <d@e.f>, =?utf-8?q?Ren=C3=A9e?= <r@e.f>"),
            (std::vector<Address>{{"", "a@b.c"}, {"Name, Jr.", "d@e.f"}, {"Renée", "r@e.f"}}));
  EXPECT_EQ(parse_address_list("Group: x@y.z, w@y.z;"),
            (std::vector<Address>{{"", "x@y.z"}, {"", "w@y.z"}}));
  EXPECT_EQ(parse_address_list("not an address, , <>, ok@example.com"),
            (std::vector<Address>{{"", "ok@example.com"}}));
  EXPECT_TRUE(parse_address_list("").empty());
  EXPECT_TRUE(parse_address_list(";;;,,,<<<>>>").empty());
}

TEST(AddressTest, FormatsQuotingOrEncodingTheName) {
  EXPECT_EQ(format_address({"", "a@example.com"}), "a@example.com");
  EXPECT_EQ(format_address({"Ann Lee", "a@example.com"}), "Ann Lee <a@example.com>");
  EXPECT_EQ(format_address({"Lee, Ann", "a@example.com"}), "\"Lee, Ann\" <a@example.com>");
  const std::string encoded = format_address({"Zoë", "z@example.com"});
  EXPECT_TRUE(encoded.starts_with("=?")) << encoded;
  EXPECT_EQ(parse_address_list(encoded), (std::vector<Address>{{"Zoë", "z@example.com"}}));
  EXPECT_EQ(format_address({"Eve\r\nBcc: x@y.z", "e@example.com"}),
            "\"Eve Bcc: x@y.z\" <e@example.com>");
}

}  // namespace
}  // namespace autorules::mail::test
