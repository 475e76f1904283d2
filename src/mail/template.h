// Mail templates' two languages (docs/templates.md), as functions of a text and a record: the
// inline {{ }} templates of mail.template's subject, email_from, email_to, email_cc, partner_to
// and reply_to, and QWeb for its body_html. Both run in the sandbox (script/template.h), with
// `object` bound to the record and Odoo's render context (ctx, user, format_date,
// format_datetime, format_amount, format_duration, is_html_empty, Markup, ...), in the record's
// env (its user, context and superuser mode), under the sandbox's time and memory limits.
//
// A QWeb source is parsed and compiled once per runtime (cached by source, mail/internal/qweb.h
// and script/template.h); an inline text once per process (script::render_template).
//
// Errors: a template that does not parse or compile, that raises, or whose result is over 1 MiB
// is a common::UserError "Failed to render QWeb template <name>: <reason>" (or "inline_template"),
// the reason naming the line and the directive where it can; a conflict or an internal error
// under the template reaches the caller as itself (the call is retried, or fails with a 500).
//
// Thread-safety: both functions may be called from any thread at once.
#pragma once

#include <string>
#include <string_view>

#include "orm/recordset.h"

namespace autorules::mail {

// `name` names the template in errors (e.g. "Task done (mail.template 7)").
std::string render_inline(std::string_view text, const orm::RecordSet& record,
                          std::string_view name);
std::string render_qweb(std::string_view source, const orm::RecordSet& record,
                        std::string_view name);

}  // namespace autorules::mail
