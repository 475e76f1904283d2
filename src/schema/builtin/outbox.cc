// The outbox (src/outbox/): outgoing messages written in the transaction of the change that
// caused them and delivered after it commits, and the log of every delivery attempt.
#include "schema/builtin/builtin.h"

namespace autorules::schema::builtin {

void add_outbox_models(Registry& r) {
  Model msg("outbox.message", "Outgoing Message");
  msg.set_order("id desc");
  msg.add(selection_field("kind", "Kind",
                          {{"webhook", "Webhook"},
                           {"email", "Email"},
                           {"sms", "SMS"},
                           {"whatsapp", "WhatsApp"},
                           {"ai", "Language model"}})
              .required()
              .def("webhook"));
  msg.add(char_field("name", "Description"));
  msg.add(char_field("url", "URL")
              .required()
              .help("A webhook's http(s) URL, or an email's SMTP server: smtp(s)://host:port"));
  msg.add(text_field("headers", "Headers").help("A JSON object of extra request headers"));
  msg.add(text_field("body", "Body").help("A webhook's JSON, or an email's RFC 5322 message"));
  msg.add(char_field("idempotency_key", "Idempotency Key").required().readonly().index());
  msg.add(selection_field("state", "State",
                          {{"pending", "Pending"},
                           {"sending", "Sending"},
                           {"delivered", "Delivered"},
                           {"failed", "Failed"},
                           {"dead", "Dead"}})
              .required()
              .def("pending"));
  msg.add(integer_field("attempts", "Attempts").def(0));
  // No single-column indexes on state and next_attempt: the outbox adds (state, next_attempt) and
  // (state, lease_until), which serve lookups by state too, and every index costs each state
  // change.
  msg.add(datetime_field("next_attempt", "Next Attempt").def(DefaultKind::kNow));
  msg.add(datetime_field("lease_until", "Being Sent Until"));
  msg.add(integer_field("last_status", "Last Status")
              .help("The last HTTP status, or SMTP reply code; 0 without an answer"));
  msg.add(text_field("last_error", "Last Error"));
  msg.add(datetime_field("delivered_at", "Delivered At"));
  msg.add(char_field("res_model", "Related Model"));
  msg.add(integer_field("res_id", "Related Record"));
  msg.add(char_field("signing_secret", "Signing Secret").secret());
  // A provider's API (SMS, WhatsApp, a language model): the body's media type, the credentials
  // (never readable), the header of the idempotency key, the time one attempt may take.
  msg.add(char_field("content_type", "Content Type").help("Empty: application/json"));
  msg.add(char_field("authorization", "Authorization").secret());
  msg.add(char_field("idempotency_header", "Idempotency Header").help("Empty: Idempotency-Key"));
  msg.add(integer_field("timeout_ms", "Attempt Timeout (ms)").help("0: the outbox's own"));
  // Emails: the SMTP envelope, the server's encryption and login (the URL is the server).
  msg.add(char_field("mail_from", "Envelope Sender").help("MAIL FROM; empty for <>"));
  msg.add(text_field("recipients", "Envelope Recipients")
              .help("A JSON array of the addresses still to deliver to (RCPT TO)"));
  msg.add(selection_field("smtp_encryption", "Encryption",
                          {{"none", "None"},
                           {"starttls", "STARTTLS"},
                           {"starttls_strict", "STARTTLS, certificate verified"},
                           {"ssl", "SSL/TLS"},
                           {"ssl_strict", "SSL/TLS, certificate verified"}}));
  msg.add(char_field("smtp_user", "SMTP User"));
  msg.add(char_field("smtp_password", "SMTP Password").secret());
  msg.add(one2many("attempt_ids", "Attempts Log", "outbox.attempt", "message_id"));
  r.put(std::move(msg));

  Model attempt("outbox.attempt", "Delivery Attempt");
  attempt.set_order("id desc");
  attempt.add(many2one("message_id", "Message", "outbox.message")
                  .required()
                  .index()
                  .ondelete(OnDelete::kCascade));
  attempt.add(integer_field("number", "Attempt"));
  attempt.add(datetime_field("started_at", "Started At"));
  attempt.add(float_field("duration_ms", "Duration (ms)"));
  attempt.add(integer_field("status", "Status")
                  .help("The HTTP status, or the SMTP reply code that decided; 0 without one"));
  attempt.add(text_field("error", "Error"));
  attempt.add(selection_field("outcome", "Outcome",
                              {{"delivered", "Delivered"},
                               {"retry", "Will Retry"},
                               {"failed", "Failed (not retried)"},
                               {"dead", "Dead (no attempts left)"}}));
  r.put(std::move(attempt));
}

}  // namespace autorules::schema::builtin
