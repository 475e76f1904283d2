#include "api/mail_inbound.h"

#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/auth.h"
#include "api/json2.h"
#include "common/errors.h"
#include "mail/inbound.h"
#include "mail/mime.h"
#include "orm/env.h"

namespace autorules::api {

using common::Json;

Response handle_mail_inbound(orm::Runtime& runtime, const std::string& authorization,
                             const std::string& body) {
  try {
    std::string key = bearer_key(authorization);
    std::optional<mail::ParsedEmail> parsed;
    return common::retry_on_conflict([&]() -> Response {
      orm::Env txn = orm::Env::begin(runtime, 0, store::Access::kWrite);
      orm::Env env = txn.with_user(authenticate(txn, key));
      if (!env.is_system())
        throw common::AccessError("Only administrators may deliver incoming email.");
      // Bytes that are not a message are the sender's fault (400, below); once the message is
      // parsed, a failure is ours — a rule's action failing on the post — and the message must
      // be delivered again later: 500 with the error (the administrator's own rule, named),
      // nothing posted.
      if (!parsed)
        parsed = mail::parse_mime(body);
      mail::InboundResult r;
      try {
        r = mail::process_inbound(env, *parsed);
      } catch (const common::Error& e) {
        if (e.kind() == common::ErrorKind::kConflict || e.kind() == common::ErrorKind::kInternal)
          throw;
        std::string rule =
            e.rule() ? fmt::format(" (automation rule '{}' #{})", e.rule()->name, e.rule()->id)
                     : "";
        spdlog::error("/mail/inbound: the message {} from {} was not posted: {}{}",
                      parsed->message_id, parsed->from.email, e.what(), rule);
        Json context = e.rule() ? rule_error_context(runtime, env.uid(), *e.rule(), Json::object())
                                : Json::object();
        return {500, error_body(e.name(), e.what(), 500, context)};
      }
      Json out{{"result", mail::inbound_kind_text(r.kind)},
               {"model", r.model.empty() ? Json(false) : Json(r.model)},
               {"res_id", r.res_id ? Json(r.res_id) : Json(false)},
               {"message_id", r.message_id ? Json(r.message_id) : Json(false)}};
      using Kind = mail::InboundResult::Kind;
      if (r.kind == Kind::kNoRoute || r.kind == Kind::kLoop) {
        spdlog::warn("/mail/inbound: {}", r.detail);
        out["message"] = r.detail;
        return {r.kind == Kind::kLoop ? 429 : 404,
                out.dump(-1, ' ', false, Json::error_handler_t::replace)};
      }
      env.commit();
      return {200, out.dump(-1, ' ', false, Json::error_handler_t::replace)};
    });
  } catch (const common::Error& e) {
    int status = e.kind() == common::ErrorKind::kUser ? 400 : status_of(e.kind());
    if (e.kind() == common::ErrorKind::kInternal) {
      spdlog::error("/mail/inbound: {}", e.what());
      return {500, error_body(e.name(), "internal server error (details in the server log)", 500)};
    }
    return {status, error_body(e.name(), e.what(), status)};
  } catch (const std::exception& e) {
    spdlog::error("/mail/inbound: unexpected error: {}", e.what());
    return {500, error_body("werkzeug.exceptions.InternalServerError",
                            "internal server error (details in the server log)", 500)};
  }
}

}  // namespace autorules::api
