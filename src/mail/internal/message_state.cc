#include "mail/internal/message_state.h"

#include <fmt/format.h>

#include "store/connection.h"

namespace autorules::mail::internal {

std::optional<std::string> message_state(const orm::Env& env, std::string_view table,
                                         common::Id id) {
  std::optional<std::string> found;
  common::Value key[] = {common::Value(id)};
  env.cr().query(fmt::format("SELECT \"state\" FROM \"{}\" WHERE \"id\" = ?", table), key,
                 [&](const store::RowView& r) {
                   found = r.is_null(0) ? std::string() : std::string(r.text(0));
                 });
  return found;
}

}  // namespace autorules::mail::internal
