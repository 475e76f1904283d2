#include "orm/logging.h"

#include <memory>
#include <vector>

#include <fmt/format.h>

#include "orm/recordset.h"
#include "orm/write_group.h"

namespace autorules::orm {

namespace {

// The rows a transaction has queued (its "orm.logging" slot), inserted together once it ends.
struct Queue {
  common::Json rows = common::Json::array();
  std::size_t dropped = 0;
  std::string dbname;
};

}  // namespace

std::string cut_text(std::string_view text, std::size_t max_bytes, std::string_view whole) {
  std::string marker = fmt::format("\u2026 (truncated, {})", whole);
  std::size_t cut = max_bytes > marker.size() ? max_bytes - marker.size() : 0;
  if (cut >= text.size()) {
    cut = text.size();
  } else {
    // Back to the start of a code point (continuation bytes are 10xxxxxx).
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;
  }
  std::string out(text.substr(0, cut));
  out += marker;
  return out;
}

void log_after_end(const Env& env, LogRow row) {
  std::shared_ptr<void>& slot = env.transaction_slot("orm.logging");
  if (!slot) {
    auto queue = std::make_shared<Queue>();
    queue->dbname = env.runtime().database().url();
    slot = queue;
    env.after_end([queue](Runtime& runtime) {
      if (queue->dropped) {
        queue->rows.push_back({{"name", "autorules"},
                               {"type", "server"},
                               {"level", "WARNING"},
                               {"message", fmt::format("{} more log rows of the same transaction "
                                                       "were dropped (at most {} are kept)",
                                                       queue->dropped, kMaxLogRowsPerTransaction)},
                               {"path", "ir.logging"},
                               {"func", "-"},
                               {"line", "0"},
                               {"dbname", queue->dbname}});
      }
      // In a transaction shared with other writes (group commit), as the calls that log.
      run_write(runtime, [&](const Env& txn) {
        Env e = txn.with_user(kSuperuserId).sudo();
        e["ir.logging"].create(queue->rows);
        e.commit();
        return common::Json();
      });
    });
  }
  auto& queue = *std::static_pointer_cast<Queue>(slot);
  if (queue.rows.size() >= kMaxLogRowsPerTransaction) {
    ++queue.dropped;
    return;
  }
  if (row.message.size() > kMaxLogMessageBytes) {
    row.message =
        cut_text(row.message, kMaxLogMessageBytes, fmt::format("{} bytes", row.message.size()));
  }
  queue.rows.push_back({{"name", std::move(row.name)},
                        {"type", "server"},
                        {"level", std::move(row.level)},
                        {"message", std::move(row.message)},
                        {"path", std::move(row.path)},
                        {"func", row.func.empty() ? "-" : row.func},
                        {"line", row.line.empty() ? "0" : row.line},
                        {"dbname", queue.dbname}});
}

}  // namespace autorules::orm
